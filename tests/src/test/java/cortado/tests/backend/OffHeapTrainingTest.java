package cortado.tests.backend;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.nn.Parameter;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training, quantized layers and generation with every parameter on the off-heap backend, against the same runs on
 * the heap. The off-heap kernels sum some rows in another lane order than the heap ones (softmax, norms, cross-entropy),
 * so results may differ by rounding: losses within 1e-5 relative over three AdamW steps (measured: identical on these
 * runs; a wrong kernel moves them by 1e-2 or more), greedy tokens identical.
 */
class OffHeapTrainingTest {
    private static final Backend OFF = Backends.offHeap();

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void trainingStepsOffHeapMatchTheHeap(String preset) {
        CausalLm heap = Presets.create(preset, 7), off = DeviceAgnosticTest.moved(Presets.create(preset, 7), OFF);
        float[] expected = trainInArenas(heap, 3), got = trainInArenas(off, 3);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - expected[i]) / Math.abs(expected[i]));
            assertThat((double) Math.abs(got[i] - expected[i])).as("loss %d: %s vs %s", i, got[i], expected[i])
                    .isLessThanOrEqualTo(1e-5 * Math.abs(expected[i]));
        }
        System.out.printf("%s off-heap vs heap, 3 steps: worst relative loss difference %.2e%n", preset, worst);
        for (Parameter p : off.module().namedParameters().values()) assertThat(p.value().backend()).isSameAs(OFF);
    }

    /** Steps as the Trainer runs them: each inside a StepArena, so activations and gradients come from the pools. */
    static float[] trainInArenas(CausalLm model, int steps) {
        AdamW opt = new AdamW(model.module().namedParameters(), 0.1f);
        int b = 2, t = 16, v = model.config().vocabSize();
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            int[] all = DeviceAgnosticTest.tokens(b * t + 1, v, s);
            int[] x = Arrays.copyOfRange(all, 0, b * t), y = Arrays.copyOfRange(all, 1, b * t + 1);
            try (StepArena arena = StepArena.open()) {
                opt.zeroGrad();
                Tensor loss = model.loss(x, y, b, t);
                Autograd.backward(loss);
                GradClip.clipGlobalNorm(opt.parameterList(), 1.0f);
                opt.step(1e-3f);
                losses[s] = loss.item();
                opt.zeroGrad();
            }
        }
        return losses;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nf4", "int8"})
    void quantizedLayersAndGenerationRunOffHeap(String type) {
        QuantizeSpec spec = new QuantizeSpec(type, 64, type.equals("nf4"), QuantizeSpec.DEFAULT_SKIP);
        CausalLm heap = Presets.create("gpt2-tiny", 3), off = DeviceAgnosticTest.moved(Presets.create("gpt2-tiny", 3), OFF);
        ModelQuantizer.quantize(heap, spec);
        ModelQuantizer.quantize(off, spec);
        float[] expected = DeviceAgnosticTest.train(heap, 2), got = DeviceAgnosticTest.train(off, 2);
        for (int i = 0; i < expected.length; i++)
            assertThat((double) Math.abs(got[i] - expected[i])).isLessThanOrEqualTo(1e-5 * Math.abs(expected[i]));
        int[] prompt = {72, 101, 108, 108, 111};
        assertThat(new Generator(off).generate(prompt, 12, Sampler.greedy(), Set.of(), null))
                .containsExactly(new Generator(heap).generate(prompt, 12, Sampler.greedy(), Set.of(), null));
    }
}
