package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rows given with a task id each (multitask prompt tuning's task_ids): every drawn row keeps its own id, in one
 * process and in each data-parallel shard; rows given without ids have none.
 */
class BatchesTaskIdsTest {
    static final int T = 3, ROWS = 7;

    /** Row i holds id i (its first input), so a batch's row tells which row it is. */
    private static Batches rows(int batch, boolean withTasks) {
        List<int[]> in = new ArrayList<>(), out = new ArrayList<>();
        int[] tasks = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            in.add(new int[] {i, 100, 101});
            out.add(new int[] {100, 101, 102});
            tasks[i] = i % 3;
        }
        return Batches.given(in, out, withTasks ? tasks : null, batch, T, 5);
    }

    @Test
    void eachRowKeepsItsTaskIdAlsoWhenSharded() {
        Batches one = rows(4, true);
        Batches[] shards = {rows(2, true).shard(0, 2), rows(2, true).shard(1, 2)};
        for (int step = 0; step < 6; step++) {
            Batches.Batch all = one.next();
            for (int b = 0; b < 4; b++) assertThat(all.taskIds()[b]).isEqualTo(all.inputs()[b * T] % 3);
            for (int r = 0; r < 2; r++)
                assertThat(shards[r].next().taskIds()).containsExactly(Arrays.copyOfRange(all.taskIds(), 2 * r, 2 * r + 2));
        }
        assertThat(rows(4, false).next().taskIds()).isNull();
        List<int[]> in = List.of(new int[] {1, 2});
        assertThatThrownBy(() -> Batches.given(in, in, new int[] {-1}, 1, T, 0)).hasMessage("row 0: task id -1");
        assertThatThrownBy(() -> Batches.given(in, in, new int[] {0, 1}, 1, T, 0)).hasMessage("2 task ids for 1 rows");
    }
}
