package cortado.quant.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.quant.BlockwiseQuantizer;
import cortado.quant.Int8RowQuantizer;
import cortado.quant.QuantType;
import cortado.quant.Quantized4bit;
import cortado.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Quantized layers against fp32 layers holding the dequantized weight: same outputs, same input gradients (fp32
 * accumulation order differs, so 1e-5 relative), no weight gradient, and whole-model replacement that keeps the model's
 * function (a Conv1D transposed the transformers way, lm_head and tied embeddings left alone).
 */
class QuantizedLayersTest {
    static Tensor random(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, shape);
    }

    static void assertClose(Tensor a, Tensor b, double tol) {
        assertThat(a.shape()).isEqualTo(b.shape());
        float[] x = a.toArray(), y = b.toArray();
        double scale = 0;
        for (float v : y) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < x.length; i++)
            assertThat((double) x[i]).as("element %d", i).isCloseTo(y[i], org.assertj.core.data.Offset.offset(tol * (1 + scale)));
    }

    @ParameterizedTest(name = "{0} blocksize {1} double quant {2}, {3} rows")
    @CsvSource({"nf4, 64, true, 7", "fp4, 32, false, 1", "nf4, 128, false, 2", "int8, 64, false, 12"})
    void layerMatchesDequantizedLinearForwardAndBackward(String type, int blocksize, boolean dq, int rows) {
        int in = 96, out = 40;
        Tensor w = random(1, out, in), bias = random(2, out).requiresGrad(true);   // a trainable bias stays trainable
        Module q = ModelQuantizer.quantizeLayer(new QuantizeSpec(type, blocksize, dq, List.of()), w, bias, false);
        Tensor wDeq = ((QuantizedLinear) q).dequantizedWeight();
        Tensor x = random(3, 2, rows, in).requiresGrad(true);
        Tensor y = ((cortado.nn.Layer) q).forward(x);
        Tensor xr = Tensor.of(x.toArray(), x.shape()).requiresGrad(true);
        Tensor br = Tensor.of(bias.toArray(), out).requiresGrad(true);
        Tensor yr = F.linear(xr, wDeq, br);
        assertClose(y, yr, 1e-5);

        Tensor g = random(4, y.shape());
        Autograd.backward(y, g);
        Autograd.backward(yr, g);
        assertClose(x.grad(), xr.grad(), 1e-5);
        Parameter b = q.ownParameters().get("bias");
        assertClose(b.value().grad(), br.grad(), 1e-5);
        assertThat(q.ownParameters()).containsOnlyKeys("bias"); // the weight is not a parameter: nothing to train
    }

    @Test
    void inputGradientPassesFiniteDifferenceCheck() {
        Quantized4bit qw = BlockwiseQuantizer.quantize4bit(random(5, 24, 64).toArray(), new int[] {24, 64},
                QuantType.NF4, 64, true);
        Linear4bit layer = new Linear4bit(qw, null, false);
        Tensor x = random(6, 3, 64).requiresGrad(true);
        GradCheck.check(in -> layer.forward(in[0]), x).assertPassed();
    }

    /** A frozen bias stays frozen in the quantized layer (a model frozen, e.g. wrapped by PEFT, then quantized). */
    @ParameterizedTest
    @CsvSource({"nf4, false", "nf4, true", "int8, false", "int8, true"})
    void quantizedLayerKeepsTheBiasTrainableFlag(String type, boolean trainable) {
        Conv1D conv = new Conv1D(16, 8);
        conv.bias().setTrainable(trainable);
        QuantizedLinear q = (QuantizedLinear) ModelQuantizer.quantizeLayer(new QuantizeSpec(type, 64, false, List.of()),
                conv.weight().value().transpose(0, 1).contiguous(), conv.bias().value(), true);
        assertThat(q.bias().trainable()).isEqualTo(trainable);
    }

    @Test
    void skipListMatchesAsTransformersDoes() {
        List<String> skip = List.of("lm_head", "model.layers.1.", "down_proj");
        assertThat(QuantizeSpec.matches("lm_head", skip)).isTrue();
        assertThat(QuantizeSpec.matches("model.layers.1.self_attn.q_proj", skip)).isTrue();   // regex prefix
        assertThat(QuantizeSpec.matches("model.layers.0.mlp.down_proj", skip)).isTrue();      // suffix
        assertThat(QuantizeSpec.matches("model.layers.0.mlp.up_proj", skip)).isFalse();
        assertThat(QuantizeSpec.matches("model.layers.10.mlp.up_proj", List.of("model.layers.1\\."))).isFalse();
        assertThat(QuantizeSpec.matches("transformer.h.0.mlp.c_fc", List.of("mlp"))).isFalse(); // not a substring rule
    }

    @Test
    void int8LayerRejectsBlockwiseWeights() {
        var q = BlockwiseQuantizer.quantize8bit(random(7, 4, 256).toArray(), new int[] {4, 256});
        assertThatThrownBy(() -> new Linear8bit(q, null, false)).hasMessageContaining("row-wise int8");
        var ok = Int8RowQuantizer.quantize(random(7, 4, 256).toArray(), new int[] {4, 256});
        assertThat(new Linear8bit(ok, null, false).outFeatures()).isEqualTo(4);
    }

    /**
     * gpt2-tiny (Conv1D, tied lm_head) and llama-tiny (Linear, untied lm_head): the quantized model computes what an
     * fp32 model holding the dequantized weights computes, gradients still reach the fp32 embedding below every
     * quantized layer, and skipped modules stay fp32.
     */
    @ParameterizedTest
    @CsvSource({"gpt2-tiny, nf4", "llama-tiny, nf4", "gpt2-tiny, int8", "llama-tiny, fp4"})
    void wholeModelQuantizationKeepsTheFunction(String preset, String type) {
        CausalLm model = Presets.create(preset, 42);
        CausalLm reference = Presets.create(preset, 42);
        List<String> replaced = ModelQuantizer.quantize(model, new QuantizeSpec(type, 64, !type.equals("int8"),
                QuantizeSpec.DEFAULT_SKIP));
        assertThat(replaced).isNotEmpty().noneMatch(n -> n.contains("lm_head"));
        Map<String, Module> modules = model.module().namedModules();
        modules.forEach((name, m) -> {
            if (m instanceof Linear || m instanceof Conv1D) assertThat(name).as("fp32 layer left").isEqualTo("lm_head");
        });
        if (modules.containsKey("lm_head")) assertThat(modules.get("lm_head")).isInstanceOf(Linear.class);
        // Give the reference the dequantized weights, in the layout of the layer each one replaced.
        Map<String, Parameter> refParams = reference.module().namedParameters();
        for (String name : replaced) {
            Module m = modules.get(name);
            Tensor deq = ((QuantizedLinear) m).dequantizedWeight();
            refParams.get(name + ".weight").set(deq);
        }
        int[] ids = {1, 7, 30, 99, 200, 3, 3, 17, 255, 0, 64, 65};
        Tensor logits = model.forward(ids, 2, 6);
        Tensor refLogits;
        try (NoGrad g = NoGrad.enter()) {
            refLogits = reference.forward(ids, 2, 6);
        }
        assertClose(logits, refLogits, 1e-4);

        int[] targets = {7, 30, 99, 200, 3, 3, 17, 255, 0, 64, 65, 1};
        Tensor loss = F.crossEntropy(F.reshape(logits, 12, -1), targets, -1);
        Autograd.backward(loss);
        String embedding = preset.startsWith("gpt2") ? "transformer.wte.weight" : "model.embed_tokens.weight";
        Tensor grad = model.module().namedParameters().get(embedding).value().grad();
        assertThat(grad).isNotNull();
        double norm = 0;
        for (float v : grad.toArray()) norm += v * v;
        assertThat(norm).isGreaterThan(0);
    }
}
