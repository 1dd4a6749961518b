package cortado.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scorer projects only the continuation positions' hidden rows through the head; that must give what the full
 * [T, V] logits give ({@link FullLogitsLoglikelihood}) on a tiny random GPT-2 (tied head) and a tiny Llama
 * (lm_head), weights scaled up so the distributions are far from uniform: multiple-choice documents (shared contexts,
 * continuations of 1 to 4 tokens), greedy continuations, contexts left-truncated past max length, a lone request;
 * plain and shared-prefix batching, batch sizes 3 and 8. Log-likelihoods within 1e-5 (the head's float32 log-sum-exp
 * against a double one, summed over up to 4 tokens), is_greedy equal.
 */
class ContinuationHeadParityTest {
    private static final int MAX_LENGTH = 48;

    /** Weights scaled so logits spread over several nats and the argmax is clear. */
    static CausalLm sharpened(String preset, long seed) {
        CausalLm m = Presets.create(preset, seed);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 8f);
        }
        return m;
    }

    private static int[] random(SplittableRandom r, int n, int vocab) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(vocab);
        return a;
    }

    /** The greedy continuation of {@code context}, {@code n} tokens, by full forwards. */
    private static int[] greedy(CausalLm m, int[] context, int n) {
        int[] seq = context.clone();
        int v = m.config().vocabSize();
        for (int j = 0; j < n; j++) {
            float[] logits;
            try (NoGrad g = NoGrad.enter()) {
                logits = m.forward(seq, 1, seq.length).toArray();
            }
            int o = (seq.length - 1) * v, arg = 0;
            for (int k = 1; k < v; k++) if (logits[o + k] > logits[o + arg]) arg = k;
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = arg;
        }
        return Arrays.copyOfRange(seq, context.length, seq.length);
    }

    static List<EncodedRequest> requests(CausalLm m, long seed) {
        int v = m.config().vocabSize();
        SplittableRandom r = new SplittableRandom(seed);
        List<EncodedRequest> out = new ArrayList<>();
        for (int doc = 0; doc < 7; doc++) {
            int[] context = random(r, 3 + 6 * doc, v);   // 3 .. 39 tokens
            for (int choice = 0; choice < 4; choice++) out.add(new EncodedRequest(context, random(r, 1 + (doc + choice) % 4, v)));
            out.add(new EncodedRequest(context, greedy(m, context, 1 + doc % 3)));
        }
        int[] longContext = random(r, 60, v);           // past MAX_LENGTH: left-truncated, never shared
        out.add(new EncodedRequest(longContext, random(r, 3, v)));
        out.add(new EncodedRequest(longContext, greedy(m, Arrays.copyOfRange(longContext, 60 - MAX_LENGTH + 2, 60), 3)));
        out.add(new EncodedRequest(random(r, 9, v), random(r, 2, v)));   // a context of its own
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void continuationRowsThroughTheHeadEqualTheFullLogits(String preset) {
        CausalLm m = sharpened(preset, 11);
        List<EncodedRequest> reqs = requests(m, 5);
        List<Loglikelihood> want = reqs.stream().map(q -> FullLogitsLoglikelihood.of(m, q, MAX_LENGTH)).toList();
        assertThat(want).as("greedy and non-greedy requests both occur").extracting(Loglikelihood::isGreedy)
                .contains(true, false);
        for (boolean share : new boolean[] {false, true})
            for (int batch : new int[] {3, 8}) {
                List<Loglikelihood> got = new LoglikelihoodScorer(m, batch, MAX_LENGTH, share).loglikelihood(reqs);
                for (int i = 0; i < reqs.size(); i++) {
                    String what = preset + " request " + i + " (shared " + share + ", batch " + batch + ")";
                    assertThat(got.get(i).logLikelihood()).as(what).isCloseTo(want.get(i).logLikelihood(), within(1e-5));
                    assertThat(got.get(i).isGreedy()).as(what + " is_greedy").isEqualTo(want.get(i).isGreedy());
                }
            }
    }
}
