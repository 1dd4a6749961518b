package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Rows packed with several sequences (position ids restarting at 0, TRL's padding-free packing) compute, for every
 * sequence, what it computes alone: logits and the loss's parameter gradients of GPT-2 (learned positions) and
 * Llama (RoPE, grouped-query heads). Tolerance 1e-5 (of the largest gradient for gradients): the same float32
 * operations, only the attention's key tiles and the loss's row sums group differently.
 */
class PackedSequencesTest {
    private static final int T = 20, V = 40;
    /** Row 0: sequences of 7, 1 and 9 tokens, then 3 padding tokens, each at position 0; row 1: 12 and 8 tokens. */
    private static final int[][] LENGTHS = {{7, 1, 9, 1, 1, 1}, {12, 8}};

    private static Map<String, float[]> grads(CausalLm m) {
        Map<String, float[]> g = new LinkedHashMap<>();
        m.module().namedParameters().forEach((name, p) -> {
            g.put(name, p.value().grad().toArray());
            p.value().setGrad(null);
        });
        return g;
    }

    @Test
    void packedRowsEqualEachSequenceRunAlone() {
        SplittableRandom r = new SplittableRandom(4);
        int[] ids = new int[2 * T], positions = new int[2 * T], targets = new int[2 * T];
        List<int[]> spans = new ArrayList<>(); // {row, start, length}
        for (int b = 0; b < 2; b++) {
            int t = 0;
            for (int len : LENGTHS[b]) {
                spans.add(new int[] {b, t, len});
                for (int i = 0; i < len; i++, t++) {
                    ids[b * T + t] = r.nextInt(V);
                    positions[b * T + t] = i;
                    // the last token of a sequence predicts nothing (TRL: the next label, at position id 0, is -100)
                    targets[b * T + t] = i == len - 1 ? CausalLm.IGNORE_INDEX : r.nextInt(V);
                }
            }
        }
        int scored = 0;
        for (int x : targets) if (x != CausalLm.IGNORE_INDEX) scored++;
        for (String preset : new String[] {"gpt2-tiny", "llama-tiny"}) {
            CausalLm m = Presets.create(preset, 11);
            int vocab = m.config().vocabSize();
            float[] packed = m.forwardPacked(ids, positions, 2, T).toArray();
            Tensor packedLoss = m.lossPacked(ids, targets, positions, 2, T);
            Autograd.backward(packedLoss);
            Map<String, float[]> expected = grads(m);

            Tensor alone = null;
            for (int[] s : spans) {
                int b = s[0], start = s[1], len = s[2];
                int[] seqIds = new int[len], seqTargets = new int[len];
                System.arraycopy(ids, b * T + start, seqIds, 0, len);
                System.arraycopy(targets, b * T + start, seqTargets, 0, len);
                Tensor logits = m.forward(seqIds, 1, len);
                float[] l = logits.toArray();
                for (int i = 0; i < len * vocab; i++)
                    assertThat(packed[(b * T + start) * vocab + i]).as(preset + " logit " + i + " of " + s[0] + "/" + s[1])
                            .isCloseTo(l[i], within(1e-5f));
                int n = 0;
                for (int x : seqTargets) if (x != CausalLm.IGNORE_INDEX) n++;
                if (n == 0) continue;
                // the packed loss is the mean over all scored tokens: each sequence's mean weighted by its share
                Tensor part = F.scale(F.crossEntropy(F.reshape(logits, len, vocab), seqTargets, CausalLm.IGNORE_INDEX),
                        (float) n / scored);
                alone = alone == null ? part : F.add(alone, part);
            }
            assertThat(alone.item()).isCloseTo(packedLoss.item(), within(1e-5f));
            Autograd.backward(alone);
            Map<String, float[]> actual = grads(m);
            expected.forEach((name, e) -> {
                float[] a = actual.get(name);
                double scale = 1e-30;
                for (float v : e) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < e.length; i++)
                    assertThat((double) a[i]).as(preset + " grad " + name + "[" + i + "]").isCloseTo(e[i], within(1e-5 * scale));
            });
        }
    }

    @Test
    void withoutRestartsPackedIsThePlainForward() {
        CausalLm m = Presets.create("llama-tiny", 2);
        int[] ids = {3, 9, 4, 1, 7, 2};
        float[] plain = m.forward(ids, 2, 3).toArray();
        assertThat(m.forwardPacked(ids, new int[] {0, 1, 2, 0, 1, 2}, 2, 3).toArray()).containsExactly(plain);
    }
}
