package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The paged KV cache decodes exactly the greedy tokens of the contiguous cache: sequences joining and leaving a running
 * batch (blocks of 4 positions, so rows span many blocks), a sequence that reuses an earlier one's cached prefix and
 * prefills only the rest, and every block back in the pool (referenced by no one) when all have left.
 */
class PagedKvCacheTest {
    private static final int NEW = 10, BLOCK = 4;

    private static CausalLm sharpened(String preset) {
        CausalLm m = Presets.create(preset, 8);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 15f);
        }
        return m;
    }

    private static final class Seq {
        final int index;
        final int[] ids;
        int length, row;

        Seq(int index, int[] prompt) {
            this.index = index;
            this.ids = Arrays.copyOf(prompt, prompt.length + NEW);
            this.length = prompt.length;
        }

        int generated(int promptLength) { return length - promptLength; }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void sequencesJoiningAndLeavingDecodeAsAlone(String preset) {
        CausalLm m = sharpened(preset);
        int[][] prompts = {{10, 20, 30}, {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {42}, {100, 101, 102, 103, 104}, {7, 7},
                {5, 6, 7, 8, 9, 10, 11, 12, 13}};   // the last shares two full blocks with the second
        int[] joinStep = {0, 2, 3, 4, 9, 14};
        int[][] alone = new int[prompts.length][];
        for (int i = 0; i < prompts.length; i++)
            alone[i] = new Generator(m).generate(prompts[i], NEW, Sampler.greedy(), null, null);

        int vocab = m.config().vocabSize();
        PagedKvCache cache = m.newPagedCache(3, 32, 40, BLOCK);
        List<Seq> running = new ArrayList<>(), waiting = new ArrayList<>(), done = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) waiting.add(new Seq(i, prompts[i]));
        int reused = 0;
        for (int step = 0; !(waiting.isEmpty() && running.isEmpty()); step++) {
            while (!waiting.isEmpty() && joinStep[waiting.getFirst().index] <= step) {
                Seq s = waiting.getFirst();
                int p = prompts[s.index].length;
                s.row = cache.add(s.ids, p, p + NEW, null);
                if (s.row < 0) break;
                waiting.removeFirst();
                int cached = cache.length(s.row);
                reused += cached;
                float[] logits = m.nextTokenLogits(Arrays.copyOfRange(s.ids, cached, p), 1, p - cached,
                        cache.rows(s.row, s.row + 1)).toArray();
                cache.cacheFullBlocks(s.row, s.ids);
                s.ids[s.length++] = Sampler.argmax(logits, 0, vocab);
                running.add(s);
            }
            if (running.isEmpty()) continue;
            int[] step1 = new int[cache.rows()];
            for (Seq s : running) step1[s.row] = s.ids[s.length - 1];
            float[] logits = m.nextTokenLogits(step1, step1.length, 1, cache.rows(0, cache.rows())).toArray();
            for (Seq s : running) {
                cache.cacheFullBlocks(s.row, s.ids);
                s.ids[s.length++] = Sampler.argmax(logits, s.row * vocab, vocab);
            }
            for (Seq s : List.copyOf(running)) {
                if (s.generated(prompts[s.index].length) < NEW) continue;
                int moved = cache.remove(s.row);
                for (Seq o : running) if (o.row == moved) o.row = s.row;
                running.remove(s);
                done.add(s);
            }
        }
        assertThat(reused).as("the last prompt reuses the second's two full blocks").isEqualTo(2 * BLOCK);
        assertThat(cache.rows()).isZero();
        assertThat(cache.pool().inUse()).as("blocks referenced after every sequence left").isZero();
        assertThat(cache.pool().available()).isEqualTo(40);
        for (Seq s : done)
            assertThat(Arrays.copyOfRange(s.ids, prompts[s.index].length, s.length)).as("prompt %d", s.index)
                    .containsExactly(alone[s.index]);
        assertThat(done).hasSize(prompts.length);
    }

    @Test
    void aSecondRequestReusesTheCachedPrefixAndLeavesTheLastTokenToCompute() {
        CausalLm m = sharpened("llama-tiny");
        PagedKvCache cache = m.newPagedCache(2, 32, 12, BLOCK);
        int[] prompt = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};   // three full blocks
        int row = cache.add(prompt, prompt.length, prompt.length + 2, null);
        assertThat(cache.length(row)).isZero();
        m.nextTokenLogits(prompt, 1, prompt.length, cache.rows(row, row + 1));
        cache.cacheFullBlocks(row, prompt);
        assertThat(cache.cachedPrefix(prompt, prompt.length, null)).as("the last token is always computed").isEqualTo(8);
        assertThat(cache.cachedPrefix(prompt, prompt.length, "adapter-a")).as("another adapter shares nothing").isZero();
        int[] other = prompt.clone();
        other[5] = 77;   // differs in the second block: only the first matches
        assertThat(cache.cachedPrefix(other, other.length, null)).isEqualTo(4);
        cache.remove(row);
        assertThat(cache.pool().inUse()).isZero();
        assertThat(cache.pool().cachedFree()).isEqualTo(3);
        int again = cache.add(prompt, prompt.length, prompt.length + 2, null);
        assertThat(cache.length(again)).isEqualTo(8);
        assertThat(cache.pool().inUse()).isEqualTo(2);
    }

    @Test
    void aSequenceThatDoesNotFitWaitsAndOneThatNeverFitsIsRefused() {
        CausalLm m = sharpened("gpt2-tiny");
        PagedKvCache cache = m.newPagedCache(4, 32, 6, BLOCK);
        int[] prompt = {1, 2, 3, 4, 5};
        assertThat(cache.add(prompt, 5, 16, null)).isZero();   // reserves 4 of the 6 blocks
        assertThat(cache.add(prompt, 5, 12, null)).as("3 more blocks do not fit beside the reservation").isEqualTo(-1);
        assertThat(cache.add(prompt, 5, 8, null)).isEqualTo(1);
        assertThatThrownBy(() -> cache.add(prompt, 5, 28, null)).hasMessageContaining("needs 7 KV blocks, the pool has 6");
        cache.remove(0);
        assertThat(cache.add(prompt, 5, 12, null)).isEqualTo(1);
        assertThatThrownBy(() -> cache.rows(0, 3)).hasMessageContaining("not live rows");
    }

    @Test
    void growTakesBlocksUntilThePoolRunsOut() {
        CausalLm m = sharpened("gpt2-tiny");
        PagedKvCache cache = m.newPagedCache(2, 32, 4, BLOCK);
        int[] prompt = {1, 2, 3, 4, 5};
        int a = cache.add(prompt, 5, 6, null);
        assertThat(cache.grow(a, 12)).isTrue();
        assertThat(cache.blocks(a)).isEqualTo(3);
        int b = cache.add(prompt, 3, 4, null);
        assertThat(b).as("one block left for a 3-token prompt").isEqualTo(1);
        assertThat(cache.grow(b, 8)).as("needs 2 blocks, 1 left").isFalse();
        assertThat(cache.blocks(b)).isEqualTo(1);
        assertThat(cache.pool().available()).isZero();
        assertThat(cache.remove(a)).as("the last row moves into row 0").isEqualTo(1);
        assertThat(cache.grow(0, 8)).isTrue();
        assertThat(cache.blocks(0)).isEqualTo(2);
        cache.remove(0);
        assertThat(cache.pool().inUse()).isZero();
    }
}
