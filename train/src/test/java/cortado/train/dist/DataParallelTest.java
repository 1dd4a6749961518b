package cortado.train.dist;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gradient buckets: their order and sizes, and that the reduced sums land back in each gradient. */
class DataParallelTest {
    /** Two identical ranks, as seen from one: an all-reduce doubles every value; records each call's count. */
    static final class TwoOfMe implements Collective {
        final List<Long> counts = new ArrayList<>();
        @Override public int rank() { return 0; }
        @Override public int size() { return 2; }
        @Override public int localRank() { return 0; }
        @Override public String name() { return "two-of-me"; }
        @Override public void allReduceSum(MemorySegment data, long count) {
            counts.add(count);
            for (long i = 0; i < count; i++)
                data.setAtIndex(ValueLayout.JAVA_FLOAT, i, 2 * data.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
        @Override public void reduceScatterSum(MemorySegment send, MemorySegment recv, long count) { throw new UnsupportedOperationException(); }
        @Override public void allGather(MemorySegment send, MemorySegment recv, long count) { throw new UnsupportedOperationException(); }
        @Override public void broadcast(MemorySegment data, long bytes, int root) {}
        @Override public void barrier() {}
        @Override public void abort(int code) { throw new IllegalStateException("abort " + code); }
        @Override public void close() {}
    }

    static Parameter param(int n, float gradValue, boolean withGrad) {
        Parameter p = new Parameter(Tensor.zeros(n));
        if (withGrad) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = gradValue + i;
            p.value().setGrad(Tensor.of(g, n));
        }
        return p;
    }

    @Test
    void bucketsRunInReverseOrderUpTo25MbAndABigGradientAlone() {
        int quarter = (int) (DataParallel.BUCKET_BYTES / Float.BYTES / 4);   // 4 of them fill a bucket
        List<Parameter> params = List.of(param(quarter, 1, true), param(quarter, 2, true), param(7, 3, false),
                param(5 * quarter, 4, true), param(quarter, 5, true), param(3, 6, true));
        TwoOfMe c = new TwoOfMe();
        assertThat(new DataParallel(c).sumGradients(params)).isEqualTo(3);
        // reversed: [3 + quarter] then the big one alone, then [quarter + quarter]; the gradless one is skipped
        assertThat(c.counts).containsExactly(3L + quarter, 5L * quarter, 2L * quarter);
        for (Parameter p : params) {
            if (p.value().grad() == null) continue;
            float[] g = p.value().grad().toArray();
            float first = g[0] / 2;
            for (int i = 0; i < g.length; i += 9973) assertThat(g[i]).isEqualTo(2 * (first + i));
        }
    }

    @Test
    void aScalarIsSummedToo() {
        assertThat(new DataParallel(new TwoOfMe()).sum(1.25)).isEqualTo(2.5);
    }
}
