package cortado.nn.grow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import cortado.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A function-preserving grown model computes its parent's logits (1e-4: float32 sums in another order over up to
 * 4x more terms; observed differences are about 1e-6) for depth, width and both, GPT-2 and Llama (GQA, biases, tied
 * and untied heads). The parent's every weight, norms and biases included, is perturbed first, so a norm or bias
 * copied wrongly shows.
 */
class ModelGrowthTest {
    private static final int V = 61;

    private static Gpt2Config gpt2(int layers, int embd, int heads, int inner, int positions, boolean tied) {
        return new Gpt2Config(V, positions, embd, layers, heads, inner, 1e-5f, 0.02f, tied, 0, List.of(0));
    }

    private static LlamaConfig llama(int layers, int hidden, int heads, int kv, int inner, boolean tied, boolean bias) {
        return new LlamaConfig("llama", V, hidden, inner, layers, heads, kv, 8, 1e-6f,
                new cortado.nn.RopeScaling.Default(10000.0), 64, tied, 0.02f, 0, List.of(0), bias, bias, null, false, 0,
                List.of());
    }

    /** A parent whose parameters are all far from their init (norm weights not 1, biases not 0). */
    static CausalLm trainedLooking(ModelConfig c, long seed) {
        CausalLm m = Models.create(c, seed);
        Random r = new Random(seed);
        for (Parameter p : m.module().namedParameters().values()) {
            float[] a = p.value().toArray();
            for (int i = 0; i < a.length; i++) a[i] += (float) (0.1 * r.nextGaussian());
            p.value().backend().copyFromHost(p.value(), a, 0);
        }
        return m;
    }

    private static float[] logits(CausalLm m, int[] ids, int batch, int seq) {
        m.module().eval();
        try (NoGrad g = NoGrad.enter()) {
            return m.forward(ids, batch, seq).toArray();
        }
    }

    private static int[] ids(int n, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(V);
        return ids;
    }

    private static float maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    private static void assertSameFunction(ModelConfig parent, ModelConfig child) {
        CausalLm p = trainedLooking(parent, 3);
        CausalLm c = ModelGrowth.grow(p, child, ModelGrowth.Mode.PRESERVE, 7);
        assertThat(c.module().parameterCount()).isGreaterThan(p.module().parameterCount());
        int[] x = ids(2 * 16, 11);
        float[] want = logits(p, x, 2, 16), got = logits(c, x, 2, 16);
        assertThat(maxDiff(want, got)).isLessThan(1e-4f);
    }

    @Test
    void gpt2DeeperComputesTheParentsLogits() {
        assertSameFunction(gpt2(2, 32, 4, 128, 32, true), gpt2(5, 32, 4, 128, 32, true));
    }

    @Test
    void gpt2WiderComputesTheParentsLogits() {
        // residual x2 (heads 4 -> 8 of dim 8), MLP 128 -> 200 (uneven copies), more positions, tied head
        assertSameFunction(gpt2(2, 32, 4, 128, 32, true), gpt2(2, 64, 8, 200, 48, true));
    }

    @Test
    void gpt2DeeperAndWiderUntiedComputesTheParentsLogits() {
        assertSameFunction(gpt2(2, 32, 4, 96, 32, false), gpt2(4, 96, 12, 300, 32, false));
    }

    @Test
    void llamaDeeperComputesTheParentsLogits() {
        assertSameFunction(llama(2, 32, 4, 2, 64, false, false), llama(3, 32, 4, 2, 64, false, false));
    }

    @Test
    void llamaWiderWithGqaAndBiasesComputesTheParentsLogits() {
        // hidden x2, query heads 4 -> 8 and kv heads 2 -> 4 (groups of 2 kept), MLP 64 -> 100, biases, tied head
        assertSameFunction(llama(2, 32, 4, 2, 64, true, true), llama(4, 64, 8, 4, 100, true, true));
    }

    @Test
    void llamaMoreHeadsAtTheSameHiddenSize() {
        assertSameFunction(llama(2, 32, 4, 4, 64, false, false), llama(2, 32, 6, 6, 64, false, false));
    }

    @Test
    void copiesDifferSoTheyCanTrainApart() {
        CausalLm p = trainedLooking(gpt2(1, 32, 4, 128, 32, true), 3);
        CausalLm c = ModelGrowth.grow(p, gpt2(1, 64, 8, 128, 32, true), ModelGrowth.Mode.PRESERVE, 7);
        float[] w = c.module().namedParameters().get("transformer.h.0.mlp.c_fc.weight").value().toArray();
        // c_fc [64, 128]: rows r and r+32 read copies of the same residual unit; their shares sum to the parent's
        float[] pw = p.module().namedParameters().get("transformer.h.0.mlp.c_fc.weight").value().toArray();
        assertThat(w[5 * 128 + 9]).isNotEqualTo(w[37 * 128 + 9]);
        assertThat(w[5 * 128 + 9] + w[37 * 128 + 9]).isCloseTo(pw[5 * 128 + 9], org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void newBlocksAreIdentitiesThatStillReceiveGradient() {
        CausalLm p = trainedLooking(gpt2(1, 32, 4, 128, 32, true), 3);
        CausalLm c = ModelGrowth.grow(p, gpt2(2, 32, 4, 128, 32, true), ModelGrowth.Mode.PRESERVE, 7);
        Map<String, Parameter> cp = c.module().namedParameters();
        // parent block 0 stays at 0, block 1 is new
        assertThat(cp.get("transformer.h.1.mlp.c_proj.weight").value().toArray()).containsOnly(0f);
        assertThat(cp.get("transformer.h.1.attn.c_proj.bias").value().toArray()).containsOnly(0f);
        c.module().train(true);
        int[] x = ids(16, 5), y = ids(16, 6);
        Tensor loss = c.loss(x, y, 1, 16);
        cortado.autograd.Autograd.backward(loss);
        float[] g = cp.get("transformer.h.1.mlp.c_proj.weight").value().grad().toArray();
        float norm = 0;
        for (float v : g) norm += v * v;
        assertThat(norm).isGreaterThan(0f);
    }

    @Test
    void depthUpscaleCopiesLayersAsSolar() {
        CausalLm p = trainedLooking(llama(4, 32, 4, 2, 64, false, false), 3);
        CausalLm c = ModelGrowth.grow(p, llama(6, 32, 4, 2, 64, false, false), ModelGrowth.Mode.DEPTH_UPSCALE, 7);
        // 4 -> 6: the first 3 parent layers, then the last 3: 0 1 2 1 2 3
        int[] expected = {0, 1, 2, 1, 2, 3};
        for (int j = 0; j < 6; j++) {
            String key = ".self_attn.q_proj.weight";
            assertThat(c.module().namedParameters().get("model.layers." + j + key).value().toArray())
                    .containsExactly(p.module().namedParameters().get("model.layers." + expected[j] + key).value().toArray());
        }
        assertThat(LayerMap.depthUpscale(32, 48)).startsWith(0, 1).contains(23, 8, 31);
        assertThat(LayerMap.depthUpscale(32, 48)[24]).isEqualTo(8);
    }

    @Test
    void growthThatCannotKeepTheFunctionIsRefused() {
        CausalLm p = trainedLooking(gpt2(2, 32, 4, 128, 32, true), 3);
        assertThatThrownBy(() -> ModelGrowth.grow(p, gpt2(2, 48, 6, 128, 32, true), ModelGrowth.Mode.PRESERVE, 1))
                .isInstanceOf(GrowthException.class).hasMessageContaining("not a multiple of the parent's 32");
        assertThatThrownBy(() -> ModelGrowth.grow(p, gpt2(2, 64, 4, 128, 32, true), ModelGrowth.Mode.PRESERVE, 1))
                .hasMessageContaining("head dim 16 differs from the parent's 8");
        assertThatThrownBy(() -> ModelGrowth.grow(p, gpt2(2, 32, 4, 128, 32, false), ModelGrowth.Mode.PRESERVE, 1))
                .hasMessageContaining("tie_word_embeddings");
        assertThatThrownBy(() -> ModelGrowth.grow(p, gpt2(1, 32, 4, 128, 32, true), ModelGrowth.Mode.PRESERVE, 1))
                .hasMessageContaining("layers 1 is below the parent's 2");
        assertThatThrownBy(() -> ModelGrowth.grow(p, gpt2(5, 32, 4, 128, 32, true), ModelGrowth.Mode.DEPTH_UPSCALE, 1))
                .hasMessageContaining("between 3 and 4 layers");
        CausalLm q = trainedLooking(llama(2, 32, 4, 2, 64, false, false), 3);
        assertThatThrownBy(() -> ModelGrowth.grow(q, llama(2, 32, 8, 2, 64, false, false), ModelGrowth.Mode.PRESERVE, 1))
                .hasMessageContaining("does not pair each copied query head");
    }
}
