package cortado.train.align;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.train.AdamW;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferenceBatchTest {
    static final int EOS = ByteTokenizer.END_OF_TEXT;

    @Test
    void rowsAreChosenThenRejectedWithTheCompletionMasked() {
        List<PreferenceJsonl.Pair> pairs = List.of(new PreferenceJsonl.Pair("ab", "c", "de", 1));
        PreferenceBatch b = PreferenceBatch.encode(pairs, new ByteTokenizer(), EOS, 64);
        assertThat(b.seq()).isEqualTo(5);
        assertThat(b.ids()).containsExactly('a', 'b', 'c', EOS, EOS, 'a', 'b', 'd', 'e', EOS);
        assertThat(b.completionMask()).containsExactly(0, 0, 1, 1, 0, 0, 0, 1, 1, 1);
        assertThat(b.lengths()).containsExactly(2, 3);
    }

    /** One trainer row per pair (chosen then rejected), and a drawn batch of them taken back apart exactly. */
    @Test
    void pairRowsRoundTrip() {
        List<PreferenceJsonl.Pair> pairs = List.of(new PreferenceJsonl.Pair("ab", "c", "de", 1),
                new PreferenceJsonl.Pair("xyz", "uv", "w", 2));
        PreferenceBatch b = PreferenceBatch.encode(pairs, new ByteTokenizer(), EOS, 64);
        cortado.train.Batches rows = b.pairRows(2, 11);
        assertThat(rows.seq()).isEqualTo(2 * b.seq());
        cortado.train.Batches.Batch drawn = rows.next();
        PreferenceBatch back = PreferenceBatch.ofPairRows(drawn);
        for (int i = 0; i < 2; i++) {   // which pair each drawn row holds, by its first token
            int pair = drawn.inputs()[i * 2 * b.seq()] == 'a' ? 0 : 1;
            for (int half = 0; half < 2; half++) {
                int from = (half * 2 + pair) * b.seq(), to = (half * 2 + i) * b.seq();
                assertThat(java.util.Arrays.copyOfRange(back.ids(), to, to + b.seq()))
                        .containsExactly(java.util.Arrays.copyOfRange(b.ids(), from, from + b.seq()));
                assertThat(java.util.Arrays.copyOfRange(back.completionMask(), to, to + b.seq()))
                        .containsExactly(java.util.Arrays.copyOfRange(b.completionMask(), from, from + b.seq()));
            }
        }
        PreferenceBatch empty = PreferenceBatch.encode(List.of(new PreferenceJsonl.Pair("", "a", "b", 1)),
                new ByteTokenizer(), EOS, 64);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> empty.pairRows(1, 1))
                .hasMessageContaining("the prompt is empty");
    }

    /**
     * The completion log-probs through the fused head ({@link cortado.nn.models.DecoderLm#fusedLabelLogProbSums})
     * equal those scored on the model's full logits ({@link SequenceLogProbs#sum(cortado.tensor.Tensor, int[])}), as
     * do the gradients they send into the model. Tolerance 1e-5 relative: only the order of float sums differs.
     */
    @Test
    void fusedLogProbsMatchTheFullLogits() {
        List<PreferenceJsonl.Pair> pairs = List.of(new PreferenceJsonl.Pair("ab", "c", "de", 1),
                new PreferenceJsonl.Pair("xyz", "uv", "w", 2));
        PreferenceBatch b = PreferenceBatch.encode(pairs, new ByteTokenizer(), EOS, 64);
        float[] weights = {1f, -2f, 0.5f, 3f};
        float[][] out = new float[2][];
        float[][] grads = new float[2][];
        for (int fused = 0; fused < 2; fused++) {
            CausalLm model = Presets.create("gpt2-tiny", 5);
            cortado.tensor.Tensor lp = fused == 1 ? b.logProbs(model)
                    : SequenceLogProbs.sum(model.forward(b.ids(), b.rows(), b.seq()), b.labels());
            out[fused] = lp.toArray();
            Autograd.backward(cortado.autograd.F.sum(cortado.autograd.F.mul(lp,
                    lp.backend().fromArray(weights, weights.length))));
            grads[fused] = model.module().namedParameters().get("transformer.wte.weight").value().grad().toArray();
        }
        for (int i = 0; i < 4; i++)
            assertThat(out[1][i]).isCloseTo(out[0][i], org.assertj.core.api.Assertions.within(1e-5f * Math.abs(out[0][i])));
        double scale = 0;
        for (float g : grads[0]) scale = Math.max(scale, Math.abs(g));
        for (int i = 0; i < grads[0].length; i++)
            assertThat((double) grads[1][i]).isCloseTo(grads[0][i], org.assertj.core.api.Assertions.within(1e-5 * scale));
    }

    /** DPO (sigmoid) from a random tiny model: the policy comes to prefer every chosen completion. */
    @Test
    void dpoStepsTeachThePreference() {
        List<PreferenceJsonl.Pair> pairs = new ArrayList<>();
        String[] q = {"sky", "grass", "snow", "coal"}, right = {"blue", "green", "white", "black"};
        for (int i = 0; i < q.length; i++)
            pairs.add(new PreferenceJsonl.Pair(q[i] + ":", " " + right[i], " " + right[(i + 1) % q.length], i + 1));
        CausalLm model = Presets.create("gpt2-tiny", 5);
        PreferenceBatch b = PreferenceBatch.encode(pairs, new ByteTokenizer(), EOS, 64);
        float[] ref = b.referenceLogProbs(model);
        DpoLoss.Config c = new DpoLoss.Config(DpoLoss.Type.SIGMOID, 0.1f, 0f);
        AdamW opt = new AdamW(model.module().namedParameters(), 0.9f, 0.999f, 1e-8f, 0f);
        DpoLoss.Result first = null, last = null;
        for (int step = 0; step < 30; step++) {
            opt.zeroGrad();
            last = DpoLoss.compute(c, b.logProbs(model), ref, b.lengths());
            if (first == null) first = last;
            Autograd.backward(last.loss());
            opt.step(3e-3f);
        }
        assertThat((double) first.loss().item()).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(last.metrics().get("rewards/accuracies")).isEqualTo(1.0);
        assertThat((double) last.loss().item()).isLessThan(0.3);
    }
}
