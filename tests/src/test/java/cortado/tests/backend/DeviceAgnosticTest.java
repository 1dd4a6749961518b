package cortado.tests.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.Presets;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything above the tensor module runs on a backend that is not the CPU one ({@link MirrorBackend}, which rejects
 * raw CPU access and copies on every host transfer): training steps with AdamW and clipping, quantized layers, loading
 * and saving checkpoints, and generation with a KV cache. The mirror runs the CPU kernels on the same memory, so the
 * results must equal the CPU run exactly (no tolerance: any difference means a different computation).
 */
class DeviceAgnosticTest {
    private static final Backend MIRROR = MirrorBackend.INSTANCE;

    /** Moves every parameter of {@code model} to {@code backend}. */
    static CausalLm moved(CausalLm model, Backend backend) {
        for (Parameter p : model.module().namedParameters().values()) p.set(p.value().to(backend));
        return model;
    }

    static int[] tokens(int n, int vocab, int seed) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int) ((i * 31L + seed * 17L + (long) i * i) % vocab);
        return t;
    }

    /** Three AdamW steps with clipping; returns the losses. */
    static float[] train(CausalLm model, int steps) {
        AdamW opt = new AdamW(model.module().namedParameters(), 0.1f);
        int b = 2, t = 16, v = model.config().vocabSize();
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            int[] all = tokens(b * t + 1, v, s);
            int[] x = java.util.Arrays.copyOfRange(all, 0, b * t), y = java.util.Arrays.copyOfRange(all, 1, b * t + 1);
            opt.zeroGrad();
            Tensor loss = model.loss(x, y, b, t);
            Autograd.backward(loss);
            GradClip.clipGlobalNorm(opt.parameterList(), 1.0f);
            opt.step(1e-3f);
            losses[s] = loss.item();
        }
        for (Map.Entry<String, Tensor> e : opt.firstMoments().entrySet())
            assertThat(e.getValue().backend()).as("moment of %s", e.getKey())
                    .isSameAs(model.module().namedParameters().get(e.getKey()).value().backend());
        return losses;
    }

    static void assertSameParameters(CausalLm a, CausalLm b) {
        Map<String, Parameter> pb = b.module().namedParameters();
        a.module().namedParameters().forEach((n, p) ->
                assertThat(pb.get(n).value().toArray()).as(n).containsExactly(p.value().toArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void trainingStepsOnTheMirrorEqualTheCpu(String preset) {
        CausalLm cpu = Presets.create(preset, 7), mirror = moved(Presets.create(preset, 7), MIRROR);
        float[] expected = train(cpu, 3);
        assertThat(train(mirror, 3)).containsExactly(expected);
        for (Parameter p : mirror.module().namedParameters().values()) assertThat(p.value().backend()).isSameAs(MIRROR);
        assertSameParameters(cpu, mirror);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nf4", "fp4", "int8"})
    void quantizedLayersRunOnTheMirror(String type) {
        QuantizeSpec spec = new QuantizeSpec(type, 64, type.equals("nf4"), QuantizeSpec.DEFAULT_SKIP);
        CausalLm cpu = Presets.create("gpt2-tiny", 3), mirror = moved(Presets.create("gpt2-tiny", 3), MIRROR);
        ModelQuantizer.quantize(cpu, spec);
        ModelQuantizer.quantize(mirror, spec);
        // Forward and backward through the quantized layers (input gradients flow to the embeddings below them).
        float[] expected = train(cpu, 2);
        assertThat(train(mirror, 2)).containsExactly(expected);
        assertSameParameters(cpu, mirror);
    }

    @Test
    void checkpointsSaveFromAndLoadIntoTheMirror(@TempDir Path dir) {
        CausalLm src = moved(Presets.create("llama-tiny", 11), MIRROR);
        HfCheckpoint.save(src, dir);
        CausalLm loaded = HfCheckpoint.load(dir);   // host memory
        assertSameParameters(src, loaded);
        CausalLm into = moved(Models.forLoading(HfCheckpoint.readConfig(dir)), MIRROR);
        HfCheckpoint.loadWeights(into, dir, false);   // decoded into the mirror's memory through writeHost
        for (Parameter p : into.module().namedParameters().values()) assertThat(p.value().backend()).isSameAs(MIRROR);
        assertSameParameters(src, into);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void generationWithAKvCacheOnTheMirror(String preset) {
        CausalLm cpu = Presets.create(preset, 5), mirror = moved(Presets.create(preset, 5), MIRROR);
        int[] prompt = {72, 101, 108, 108, 111};
        int[] expected = new Generator(cpu).generate(prompt, 12, Sampler.greedy(), Set.of(), null);
        assertThat(new Generator(mirror).generate(prompt, 12, Sampler.greedy(), Set.of(), null)).containsExactly(expected);
    }

    @Test
    void initialisersFillThroughTheBackend() {
        Tensor host = Backends.cpu().zeros(3, 70000), there = MIRROR.zeros(3, 70000);
        Init.normal(host, 0.02f, 5, 1);
        Init.normal(there, 0.02f, 5, 1);
        assertThat(there.toArray()).containsExactly(host.toArray());
        Tensor view = MIRROR.zeros(4, 6).transpose(0, 1);   // a strided view is filled in its row-major order
        Init.constant(view, 3f);
        assertThat(view.toArray()).containsOnly(3f);
    }

    @Test
    void gradientChecksPerturbTensorsOfAnyBackend() {
        Tensor a = Backends.cpu().fromArray(new float[] {0.3f, -1.2f, 0.7f, 2f, -0.4f, 1.1f}, 2, 3).to(MIRROR)
                .requiresGrad(true);
        Tensor b = Backends.cpu().fromArray(new float[] {1.5f, -0.2f, 0.9f}, 3, 1).to(MIRROR).requiresGrad(true);
        GradCheck.Result r = GradCheck.check(x -> F.tanh(F.matmul(x[0], x[1])), 1e-2, 1e-3, 1e-3, a, b);
        assertThat(r.passed()).as(r.toString()).isTrue();
        assertThat(r.checked()).isEqualTo(9);
    }

    @Test
    void transfersRoundTripViewsAndKeepNoHistory() {
        Tensor base = Backends.cpu().fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor there = base.transpose(0, 1).to(MIRROR);
        assertThat(there.backend()).isSameAs(MIRROR);
        assertThat(there.shape()).containsExactly(3, 2);
        assertThat(there.requiresGrad()).isFalse();
        assertThat(there.to(Backends.cpu()).toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(there.to(MIRROR)).isSameAs(there);
        assertThatThrownBy(there::data).hasMessageContaining("mirror");
    }

    @Test
    void mixingBackendsInOneOpNamesBoth() {
        Tensor a = Backends.cpu().zeros(2, 3), b = MIRROR.zeros(2, 3);
        assertThatThrownBy(() -> F.add(a, b)).hasMessageContaining("lives on mirror").hasMessageContaining("runs on cpu");
        assertThatThrownBy(() -> F.matmul(b, a.transpose(0, 1))).hasMessageContaining("lives on cpu")
                .hasMessageContaining("runs on mirror");
        // A model whose parameters were moved, fed by a layer still on the host: the error says where each one is.
        CausalLm half = Presets.create("gpt2-tiny", 1);
        Parameter wte = half.module().namedParameters().get("transformer.wte.weight");
        wte.set(wte.value().to(MIRROR));
        assertThatThrownBy(() -> half.forward(new int[] {1, 2}, 1, 2)).hasMessageContaining("mirror")
                .hasMessageContaining("cpu");
        assertThat(List.of(a.backend().name(), b.backend().name())).containsExactly("cpu", "mirror");
    }
}
