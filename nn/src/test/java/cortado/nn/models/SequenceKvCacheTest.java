package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SequenceKvCacheTest {
    private static final int NEW = 10;

    private static CausalLm sharpened(String preset) {
        CausalLm m = Presets.create(preset, 8);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 15f);
        }
        return m;
    }

    /** One sequence being decoded: its tokens so far and the row it holds. */
    private static final class Seq {
        final int index;
        final List<Integer> out = new ArrayList<>();
        int row;

        Seq(int index) { this.index = index; }
    }

    /**
     * Sequences that join at different steps (each prefilled alone into its new row) and leave when done (the last row
     * moving into the freed one) decode, batched with whatever else runs, exactly the greedy tokens each gets alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void sequencesJoiningAndLeavingDecodeAsAlone(String preset) {
        CausalLm m = sharpened(preset);
        int[][] prompts = {{10, 20, 30}, {5, 6, 7, 8, 9, 10, 11}, {42}, {100, 101, 102, 103, 104}, {7, 7}};
        int[] joinStep = {0, 2, 3, 4, 9};
        int[][] alone = new int[prompts.length][];
        for (int i = 0; i < prompts.length; i++)
            alone[i] = new Generator(m).generate(prompts[i], NEW, Sampler.greedy(), null, null);

        int vocab = m.config().vocabSize();
        SequenceKvCache cache = m.newSequenceCache(3, 32);
        List<Seq> running = new ArrayList<>(), waiting = new ArrayList<>(), done = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) waiting.add(new Seq(i));
        for (int step = 0; !(waiting.isEmpty() && running.isEmpty()); step++) {
            while (!waiting.isEmpty() && joinStep[waiting.getFirst().index] <= step && cache.rows() < cache.slots()) {
                Seq s = waiting.removeFirst();
                s.row = cache.add();
                int[] p = prompts[s.index];
                float[] logits = m.nextTokenLogits(p, 1, p.length, cache.rows(s.row, s.row + 1)).toArray();
                s.out.add(Sampler.argmax(logits, 0, vocab));
                running.add(s);
            }
            if (running.isEmpty()) continue;
            int[] ids = new int[cache.rows()];
            for (Seq s : running) ids[s.row] = s.out.getLast();
            float[] logits = m.nextTokenLogits(ids, ids.length, 1, cache.rows(0, cache.rows())).toArray();
            for (Seq s : running) s.out.add(Sampler.argmax(logits, s.row * vocab, vocab));
            for (Seq s : List.copyOf(running)) {
                if (s.out.size() < NEW) continue;
                int moved = cache.remove(s.row);
                for (Seq o : running) if (o.row == moved) o.row = s.row;
                running.remove(s);
                done.add(s);
            }
        }
        assertThat(cache.rows()).isZero();
        for (Seq s : done)
            assertThat(s.out).as("prompt %d", s.index)
                    .containsExactly(Arrays.stream(alone[s.index]).boxed().toArray(Integer[]::new));
        assertThat(done).hasSize(prompts.length);
    }

    @Test
    void rowsAreBoundedAndChecked() {
        CausalLm m = sharpened("gpt2-tiny");
        SequenceKvCache cache = m.newSequenceCache(1, 8);
        assertThat(cache.add()).isZero();
        assertThatThrownBy(cache::add).hasMessageContaining("all 1 rows");
        assertThatThrownBy(() -> cache.rows(0, 2)).hasMessageContaining("not live rows");
        m.nextTokenLogits(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8, cache.rows(0, 1));
        assertThat(cache.length(0)).isEqualTo(8);
        assertThatThrownBy(() -> m.nextTokenLogits(new int[] {1}, 1, 1, cache.rows(0, 1)))
                .hasMessageContaining("full");
        assertThat(cache.remove(0)).isZero();
        assertThat(cache.rows()).isZero();
    }
}
