package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Data-parallel sharding: N shards of B rows are, row for row, the batches of one process with N x B rows. */
class BatchesShardTest {
    static final int T = 4;
    static final TokenData DATA = TokenData.of(IntStream.range(0, 200).toArray(), "counting");

    /** Each of 3 shards of 2 rows against the whole batch of 6 rows, for 5 batches, then the shards' state. */
    static void shardsSplitTheWholeBatch(Supplier<Batches> whole, java.util.function.IntFunction<Batches> ofRows) {
        Batches one = whole.get();
        Batches[] shards = new Batches[3];
        for (int r = 0; r < 3; r++) shards[r] = ofRows.apply(2).shard(r, 3);
        for (int step = 0; step < 5; step++) {
            Batches.Batch all = one.next();
            for (int r = 0; r < 3; r++) {
                Batches.Batch mine = shards[r].next();
                assertThat(mine.batch()).isEqualTo(2);
                assertThat(mine.inputs()).as("rank %d, batch %d", r, step)
                        .containsExactly(Arrays.copyOfRange(all.inputs(), r * 2 * T, (r + 1) * 2 * T));
                assertThat(mine.targets()).containsExactly(Arrays.copyOfRange(all.targets(), r * 2 * T, (r + 1) * 2 * T));
            }
        }
        for (Batches s : shards) assertThat(s.state()).as("one position on every rank").isEqualTo(one.state());
    }

    @Test
    void sequentialRandomAndExampleRowsShardTheSameWay() {
        shardsSplitTheWholeBatch(() -> Batches.sequential(DATA, 6, T), b -> Batches.sequential(DATA, b, T));
        shardsSplitTheWholeBatch(() -> Batches.random(DATA, 6, T, 7), b -> Batches.random(DATA, b, T, 7));
        List<PromptCompletion> ex = IntStream.range(0, 9)
                .mapToObj(i -> new PromptCompletion(new int[] {i}, new int[] {i + 1, i + 2})).toList();
        shardsSplitTheWholeBatch(() -> Batches.examples(ex, 6, T, 3), b -> Batches.examples(ex, b, T, 3));
    }

    @Test
    void aShardedSequentialOrderNeedsTheWholeBatchInTheData() {
        TokenData small = TokenData.of(IntStream.range(0, 20).toArray(), "small");
        assertThatThrownBy(() -> Batches.sequential(small, 2, T).shard(0, 3))
                .isInstanceOf(TokenDataException.class).hasMessageContaining("ranks*B*T+1 = 25");
        assertThatThrownBy(() -> Batches.sequential(small, 2, T).shard(3, 3)).hasMessageContaining("shard 3 of 3");
    }
}
