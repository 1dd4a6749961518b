package cortado.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static CausalLm sharpened(String preset) {
        CausalLm m = Presets.create(preset, 8);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 15f);
        }
        return m;
    }

    /** Greedy decoding with the KV cache picks the same tokens as recomputing the whole sequence for every token. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void cachedGreedyEqualsRecomputedGreedy(String preset) {
        CausalLm m = sharpened(preset);
        int[] prompt = {10, 20, 30, 40};
        int[] cached = new Generator(m).generate(prompt, 12, Sampler.greedy(), null, null);
        int[] seq = Arrays.copyOf(prompt, prompt.length + 12);
        try (NoGrad g = NoGrad.enter()) {
            for (int i = 0; i < 12; i++) {
                int len = prompt.length + i;
                float[] logits = m.forward(Arrays.copyOf(seq, len), 1, len).toArray();
                seq[len] = Sampler.argmax(logits, (len - 1) * 257, 257);
            }
        }
        assertThat(cached).containsExactly(Arrays.copyOfRange(seq, prompt.length, seq.length));
    }

    @Test
    void seededSamplingIsReproducibleAndStreams() {
        CausalLm m = sharpened("gpt2-tiny");
        List<Integer> streamed = new ArrayList<>();
        int[] a = new Generator(m).generate(new int[] {1, 2}, 20, new Sampler(1f, 40, 0.9f, 5), null, streamed::add);
        int[] b = new Generator(m).generate(new int[] {1, 2}, 20, new Sampler(1f, 40, 0.9f, 5), null, null);
        assertThat(b).containsExactly(a);
        assertThat(streamed).containsExactly(Arrays.stream(a).boxed().toArray(Integer[]::new));
    }

    @Test
    void stopsAtEndOfText() {
        CausalLm m = sharpened("gpt2-tiny");
        int[] free = new Generator(m).generate(new int[] {5}, 10, Sampler.greedy(), null, null);
        int stop = free[3];
        int firstStop = 0;
        while (free[firstStop] != stop) firstStop++;
        int[] stopped = new Generator(m).generate(new int[] {5}, 10, Sampler.greedy(), Set.of(stop), null);
        assertThat(stopped).containsExactly(Arrays.copyOf(free, firstStop + 1));
    }

    /**
     * Past the context window the cache is refilled from the most recent half of the tokens: the tokens must be those
     * of recomputing, for every step, the whole window the generator keeps (the same seeded draws on the same logits).
     */
    @Test
    void continuesPastTheContextWindow() {
        CausalLm m = sharpened("gpt2-tiny"); // n_positions 64
        int window = m.config().maxPositions(), vocab = m.config().vocabSize();
        int[] prompt = new int[40];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 32 + (i * 7) % 90;
        int n = 100;
        int[] out = new Generator(m).generate(prompt, n, new Sampler(1f, 0, 1f, 1), null, null);

        Sampler reference = new Sampler(1f, 0, 1f, 1);
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        int count = prompt.length, from = 0, slides = 0;
        try (NoGrad g = NoGrad.enter()) {
            for (int i = 0; i < n; i++) {
                int len = count - from;
                float[] logits = m.forward(Arrays.copyOfRange(seq, from, count), 1, len).toArray();
                seq[count] = reference.sample(Arrays.copyOfRange(logits, (len - 1) * vocab, len * vocab), seq,
                        prompt.length, count);
                count++;
                if (count - from > window) { from = count - window / 2; slides++; }
            }
        }
        assertThat(slides).isGreaterThanOrEqualTo(2);
        assertThat(out).containsExactly(Arrays.copyOfRange(seq, prompt.length, seq.length));
        assertThat(Arrays.stream(out).distinct().count()).isGreaterThan(10); // not a constant run
    }

    @Test
    void refusesAPromptLongerThanTheContext() {
        CausalLm m = Presets.create("gpt2-tiny", 3);
        assertThatThrownBy(() -> new Generator(m).generate(new int[65], 1, Sampler.greedy(), null, null))
                .hasMessageContaining("65 tokens").hasMessageContaining("context window of 64 positions");
    }

    private static final List<int[]> PROMPTS = List.of(new int[] {10, 20, 30, 40, 50, 60, 70}, new int[] {5},
            new int[] {99, 98, 97}, new int[] {33, 44, 55, 66, 77});

    private static List<Sampler> greedy(int n) {
        List<Sampler> s = new ArrayList<>();
        for (int i = 0; i < n; i++) s.add(Sampler.greedy());
        return s;
    }

    /**
     * A left-padded batch decoded with the cache equals recomputing, for every token, the whole padded batch from an
     * empty cache (the masked, per-row-position path without any cached keys), and each row equals its prompt decoded
     * alone (padding changes nothing).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void batchedCachedEqualsRecomputeAndEachPromptAlone(String preset) {
        CausalLm m = sharpened(preset);
        int n = 10, vocab = m.config().vocabSize(), batch = PROMPTS.size();
        List<Completion> got = new Generator(m).generate(PROMPTS, greedy(batch), StoppingCriteria.maxNewTokens(n), null,
                null);

        List<int[]> seqs = new ArrayList<>();
        for (int[] p : PROMPTS) seqs.add(p.clone());
        for (int step = 0; step < n; step++) {
            int width = seqs.stream().mapToInt(a -> a.length).max().orElseThrow();
            int[] ids = new int[batch * width], pads = new int[batch];
            for (int b = 0; b < batch; b++) {
                pads[b] = width - seqs.get(b).length;
                System.arraycopy(seqs.get(b), 0, ids, b * width + pads[b], seqs.get(b).length);
            }
            var cache = m.newCache(batch, width);
            cache.pad(pads);
            float[] logits = m.nextTokenLogits(ids, batch, width, cache).toArray();
            for (int b = 0; b < batch; b++) {
                int[] s = Arrays.copyOf(seqs.get(b), seqs.get(b).length + 1);
                s[s.length - 1] = Sampler.argmax(logits, b * vocab, vocab);
                seqs.set(b, s);
            }
        }
        boolean[] differ = new boolean[1];
        for (int b = 0; b < batch; b++) {
            int[] p = PROMPTS.get(b);
            int[] want = Arrays.copyOfRange(seqs.get(b), p.length, p.length + n);
            assertThat(got.get(b).tokens()).as("row " + b).containsExactly(want);
            assertThat(got.get(b).finishReason()).isEqualTo(FinishReason.LENGTH);
            int[] alone = new Generator(m).generate(p, n, Sampler.greedy(), null, null);
            assertThat(alone).as("row " + b + " alone").containsExactly(want);
            differ[0] |= !Arrays.equals(want, got.get(0).tokens());
        }
        assertThat(differ[0]).as("rows generate different tokens").isTrue();
    }

    @Test
    void rowsStopOnTheirOwn() {
        CausalLm m = sharpened("gpt2-tiny");
        List<Completion> free = new Generator(m).generate(PROMPTS, greedy(4), StoppingCriteria.maxNewTokens(8), null,
                null);
        int stopId = free.get(1).tokens()[2];
        List<Completion> got = new Generator(m).generate(PROMPTS, greedy(4),
                new StoppingCriteria(8, Set.of(stopId), List.of()), null, null);
        for (int b = 0; b < 4; b++) {
            int[] all = free.get(b).tokens();
            int end = 0;
            while (end < all.length && all[end] != stopId) end++;
            boolean stopped = end < all.length;
            assertThat(got.get(b).tokens()).containsExactly(Arrays.copyOf(all, stopped ? end + 1 : all.length));
            assertThat(got.get(b).finishReason()).isEqualTo(stopped ? FinishReason.STOP : FinishReason.LENGTH);
        }
        assertThat(got.get(1).tokens().length).isLessThanOrEqualTo(3);
    }
}
