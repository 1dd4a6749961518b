package cortado.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.tensor.AttentionMask;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Dropout layer and the models' dropout: train/eval really switch, the right share is dropped and the rest scaled,
 * masks are fixed by (seed, step, layer) on any thread count, activation checkpointing replays them, and the explicit
 * attention-probabilities path equals the fused kernel. Placement against transformers is DropoutPlacementParityTest.
 */
class DropoutTest {

    private static Tensor randn(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1;
        for (int d : shape) n *= d;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return Tensor.of(a, shape);
    }

    @Test
    void evalIsTheIdentityAndTrainingDropsAboutPWithTheInvertedScale() {
        Dropout d = new Dropout(0.25f);
        Tensor x = Tensor.full(2f, 400, 250);
        d.eval();
        assertThat(d.forward(x)).isSameAs(x);
        d.train();
        float[] y = d.forward(x).toArray();
        int dropped = 0;
        for (float v : y) {
            if (v == 0f) dropped++;
            else assertThat(v).isEqualTo(2f / 0.75f);
        }
        // binomial(100000, 0.25): 5 standard deviations = 0.0069
        assertThat(dropped / 100_000.0).isCloseTo(0.25, within(0.007));
        assertThat(new Dropout(0f).forward(x)).isSameAs(x);
        assertThatThrownBy(() -> new Dropout(1f)).hasMessageContaining("dropout probability must be in [0, 1)");
    }

    @Test
    void trainAndEvalReachEveryModuleOfTheTree() {
        Gpt2LmHeadModel m = new Gpt2LmHeadModel(Gpt2Config.of(50, 16, 16, 2, 2, 0).withDropout(0.1f, 0.1f, 0.1f), 1);
        m.eval();
        assertThat(m.namedModules().values()).allSatisfy(x -> assertThat(x.isTraining()).isFalse());
        m.train();
        assertThat(m.namedModules().values()).allSatisfy(x -> assertThat(x.isTraining()).isTrue());
        assertThat(m.namedModules()).containsKeys("transformer.drop", "transformer.h.0.attn.attn_dropout",
                "transformer.h.0.attn.resid_dropout", "transformer.h.1.mlp.dropout");
    }

    @Test
    void masksAreFixedBySeedStepAndLayer() {
        Module tree = new ModuleList<>(List.of(new Dropout(0.5f), new Dropout(0.5f)));
        tree.seedDropout(7);
        Tensor x = Tensor.full(1f, 64, 64);
        Layer a = (Layer) tree.get("0"), b = (Layer) tree.get("1");
        float[] a0 = a.forward(x).toArray(), a1 = a.forward(x).toArray(), b0 = b.forward(x).toArray();
        assertThat(a1).as("the next step draws a new mask").isNotEqualTo(a0);
        assertThat(b0).as("another layer draws another mask").isNotEqualTo(a0);
        tree.dropoutStep(0);
        assertThat(a.forward(x).toArray()).as("step 0 again").isEqualTo(a0);
        tree.seedDropout(7);
        assertThat(b.forward(x).toArray()).as("the same seed again").isEqualTo(b0);
        tree.seedDropout(8);
        assertThat(a.forward(x).toArray()).as("another seed").isNotEqualTo(a0);
    }

    private static Map<String, float[]> lossAndGradients(CausalLm m, boolean checkpoint) {
        m.module().checkpointActivations(checkpoint);
        m.module().seedDropout(5);
        m.module().dropoutStep(3);
        int[] ids = new int[2 * 12], targets = new int[2 * 12];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(50);
            targets[i] = r.nextInt(50);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        Tensor loss = m.loss(ids, targets, 2, 12);
        Autograd.backward(loss);
        out.put("loss", loss.toArray());
        m.module().namedParameters().forEach((name, p) -> {
            out.put(name, p.value().grad().toArray());
            p.value().setGrad(null);
        });
        return out;
    }

    private static List<CausalLm> modelsWithDropout() {
        Gpt2LmHeadModel gpt2 = new Gpt2LmHeadModel(Gpt2Config.of(50, 16, 16, 2, 2, 0).withDropout(0.2f, 0.3f, 0.4f), 1);
        LlamaConfig base = new LlamaConfig(50, 16, 32, 2, 4, 2, 4, 1e-6f, 10000f, 16, false, 0.02f, 0, List.of(0));
        LlamaConfig withDropout = new LlamaConfig(base.modelType(), base.vocabSize(), base.hiddenSize(),
                base.intermediateSize(), base.numHiddenLayers(), base.numAttentionHeads(), base.numKeyValueHeads(),
                base.headDim(), base.rmsNormEps(), base.rope(), base.maxPositionEmbeddings(), base.tieWordEmbeddings(),
                base.initializerRange(), base.bosTokenId(), base.eosTokenIds(), false, false, null, false, 0, List.of(),
                0.3f);
        return List.of(gpt2, new LlamaForCausalLm(withDropout, 2));
    }

    @Test
    void trainingWithDropoutIsBitIdenticalOnOneAndTwoThreadsAndUnderCheckpointing() {
        int before = Parallel.threads();
        try {
            for (CausalLm m : modelsWithDropout()) {
                Parallel.setThreads(1);
                Map<String, float[]> one = lossAndGradients(m, false);
                Parallel.setThreads(2);
                Map<String, float[]> two = lossAndGradients(m, false);
                Map<String, float[]> checkpointed = lossAndGradients(m, true);
                for (String k : one.keySet()) {
                    assertThat(two.get(k)).as(k + " on two threads").isEqualTo(one.get(k));
                    float[] c = checkpointed.get(k), o = one.get(k);
                    for (int i = 0; i < o.length; i++)   // the recomputed blocks replay the forward's masks
                        assertThat(c[i]).as(k + " checkpointed").isCloseTo(o[i], within(1e-6f));
                }
                // Dropout really acts in training, and eval mode is the model without it.
                m.module().eval();
                m.module().checkpointActivations(false);
                int[] ids = {1, 2, 3, 4, 5, 6};
                float[] eval = m.forward(ids, 1, 6).toArray();
                m.module().train();
                assertThat(m.forward(ids, 1, 6).toArray()).isNotEqualTo(eval);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** The identity in place of a dropout on the probabilities. */
    private static final class Identity extends Module implements Layer {
        @Override public Tensor forward(Tensor x) { return x; }
    }

    @Test
    void explicitProbabilitiesPathEqualsTheFusedKernel() {
        int b = 2, h = 4, hkv = 2, t = 5, s = 7, d = 8;
        Tensor q = randn(1, b, h, t, d), k = randn(2, b, hkv, s, d), v = randn(3, b, hkv, s, d);
        boolean[][] valid = {{true, true, false, true, true, true, true}, {false, false, true, true, true, true, true}};
        for (AttentionMask mask : new AttentionMask[] {AttentionMask.CAUSAL, AttentionMask.BIDIRECTIONAL,
                AttentionMask.CAUSAL.withSlidingWindow(3).withKeyPadding(valid),
                AttentionMask.BIDIRECTIONAL.withKeyPadding(valid)}) {
            try (NoGrad g = NoGrad.enter()) {
                float[] fused = F.attention(q, k, v, mask, 0.35f).toArray();
                float[] explicit = ProbabilitiesAttention.attend(q, k, v, mask, 0.35f, new Identity()).toArray();
                for (int i = 0; i < fused.length; i++)
                    assertThat(explicit[i]).as(mask + " element " + i).isCloseTo(fused[i], within(2e-6f));
            }
        }
    }

    @Test
    void gradientThroughTheProbabilitiesWithAFixedMask() {
        Dropout drop = new Dropout(0.3f);
        drop.seedDropout(11);
        AttentionMask mask = AttentionMask.CAUSAL.withSlidingWindow(3);
        GradCheck.Result r = GradCheck.check(in -> {
            drop.dropoutStep(4);   // every evaluation draws the same mask
            return ProbabilitiesAttention.attend(in[0], in[1], in[2], mask, 0.4f, drop);
        }, randn(4, 1, 2, 4, 4).requiresGrad(true), randn(5, 1, 1, 6, 4).requiresGrad(true),
                randn(6, 1, 1, 6, 4).requiresGrad(true));
        System.out.println("gradcheck attention probabilities with dropout: " + r);
        r.assertPassed();
    }
}
