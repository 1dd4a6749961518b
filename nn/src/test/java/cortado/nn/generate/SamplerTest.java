package cortado.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {
    // Probabilities 0.4, 0.3, 0.15, 0.1, 0.05 at indices 3, 0, 4, 1, 2 (logits are their logs).
    private static final float[] LOGITS = {
            (float) Math.log(0.3), (float) Math.log(0.1), (float) Math.log(0.05), (float) Math.log(0.4),
            (float) Math.log(0.15)};

    private static int[] counts(Sampler s, int draws) {
        int[] c = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) c[s.sample(LOGITS)]++;
        return c;
    }

    @Test
    void temperatureZeroIsArgmax() {
        assertThat(Sampler.greedy().sample(LOGITS)).isEqualTo(3);
        assertThat(new Sampler(0f, 2, 0.5f, 9).sample(new float[] {1, 5, 5, 2})).isEqualTo(1); // first of the ties
    }

    @Test
    void sameSeedSameDraws() {
        int[] a = IntStream.range(0, 200).map(i -> 0).toArray(), b = a.clone();
        Sampler s1 = new Sampler(1f, 0, 1f, 77), s2 = new Sampler(1f, 0, 1f, 77), s3 = new Sampler(1f, 0, 1f, 78);
        boolean differs = false;
        for (int i = 0; i < 200; i++) {
            a[i] = s1.sample(LOGITS);
            b[i] = s2.sample(LOGITS);
            differs |= s3.sample(LOGITS) != a[i];
        }
        assertThat(b).containsExactly(a);
        assertThat(differs).isTrue();
    }

    @Test
    void temperatureOneDrawsFromTheSoftmax() {
        int n = 40_000;
        int[] c = counts(new Sampler(1f, 0, 1f, 1), n);
        double[] p = {0.3, 0.1, 0.05, 0.4, 0.15};
        // 5 standard deviations of a binomial proportion at n = 40000 is at most 0.0125.
        for (int i = 0; i < p.length; i++) assertThat(c[i] / (double) n).isCloseTo(p[i], within(0.0125));
    }

    @Test
    void lowTemperatureSharpens() {
        int[] c = counts(new Sampler(0.25f, 0, 1f, 2), 10_000);
        // p^(1/0.25) normalised: 0.4^4 / sum = 0.74...; the top token dominates far beyond its 0.4.
        assertThat(c[3] / 10_000.0).isGreaterThan(0.7);
    }

    @Test
    void topKRestrictsTheSupport() {
        int[] c = counts(new Sampler(1f, 2, 1f, 3), 10_000);
        assertThat(c[1] + c[2] + c[4]).isZero();
        assertThat(c[3]).isPositive();
        assertThat(c[0]).isPositive();
        // Renormalised over {0.4, 0.3}: 4/7 and 3/7.
        assertThat(c[3] / 10_000.0).isCloseTo(4 / 7.0, within(0.03));
    }

    @Test
    void topPKeepsTheSmallestNucleus() {
        // 0.4 + 0.3 = 0.7 < 0.75, so the third token (0.15) is needed: support {3, 0, 4}.
        int[] c = counts(new Sampler(1f, 0, 0.75f, 4), 10_000);
        assertThat(c[1] + c[2]).isZero();
        assertThat(c[3]).isPositive();
        assertThat(c[0]).isPositive();
        assertThat(c[4]).isPositive();
        // Exactly reaching p keeps no more: 0.4 + 0.3 >= 0.7.
        int[] d = counts(new Sampler(1f, 0, 0.7f, 5), 10_000);
        assertThat(d[4] + d[1] + d[2]).isZero();
        // A tiny p keeps only the most likely token.
        int[] e = counts(new Sampler(1f, 0, 0.01f, 6), 1_000);
        assertThat(e[3]).isEqualTo(1_000);
    }

    @Test
    void topKThenTopPCompose() {
        // top-k 3 renormalises {0.4, 0.3, 0.15} to {0.47, 0.35, 0.18}; top-p 0.8 then needs 3 and 0 only.
        int[] c = counts(new Sampler(1f, 3, 0.8f, 7), 10_000);
        assertThat(c[4] + c[1] + c[2]).isZero();
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new Sampler(-1f, 0, 1f, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Sampler(1f, -1, 1f, 0)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> new Sampler(1f, 0, 0f, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new Sampler(1f, 0, 1.5f, 0)).hasMessageContaining("top-p");
    }

    @Test
    void greedyAppliesBiasAndPenaltiesButNotTheFilters() {
        // Logit bias moves the argmax from 3 to 1; the penalties see the history (token 3 was generated twice).
        var biased = new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, java.util.Map.of(1, 5f), 0L);
        assertThat(new Sampler(biased).sample(LOGITS)).isEqualTo(1);
        var frequency = new SamplingParams(0f, 0, 1f, 0f, 1f, 1f, 0f, java.util.Map.of(), 0L);
        assertThat(new Sampler(frequency).sample(LOGITS, new int[] {4, 3, 3}, 1, 3)).isEqualTo(0);
        // The prompt (first id) does not count for OpenAI's penalties: 3 stays the argmax.
        assertThat(new Sampler(frequency).sample(LOGITS, new int[] {3}, 1, 1)).isEqualTo(3);
        // ... but it does for the repetition penalty (0.4 -> log 0.4 * 3 is below log 0.3).
        var repetition = new SamplingParams(0f, 0, 1f, 0f, 3f, 0f, 0f, java.util.Map.of(), 0L);
        assertThat(new Sampler(repetition).sample(LOGITS, new int[] {3}, 1, 1)).isEqualTo(0);
        // min-p 0.5 when sampling keeps the tokens with p >= 0.2: {3, 0}.
        int[] c = counts(new Sampler(new SamplingParams(1f, 0, 1f, 0.5f, 1f, 0f, 0f, java.util.Map.of(), 8L)), 5_000);
        assertThat(c[1] + c[2] + c[4]).isZero();
        assertThat(c[3]).isPositive();
        assertThat(c[0]).isPositive();
    }
}
