package cortado.tests.dist;

import cortado.train.dist.Collective;
import cortado.train.dist.Collectives;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Run by {@link MpiCollectiveTest} under mpirun: each rank exercises every collective on values that depend on its
 * rank and prints one line per result, prefixed by the rank, for the test to compare with the expected sums.
 */
public final class CollectiveCheck {
    private CollectiveCheck() {}

    public static void main(String[] args) {
        Collective c = Collectives.world();
        int r = c.rank(), n = c.size();
        try (Arena a = Arena.ofConfined()) {
            // allReduce: element i holds (rank + 1) * (i + 1); the sum is (i + 1) * n(n+1)/2.
            int count = 5;
            MemorySegment x = a.allocate(ValueLayout.JAVA_FLOAT, count);
            for (int i = 0; i < count; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (r + 1) * (i + 1));
            c.allReduceSum(x, count);
            print(r, "allreduce", x, count);
            // reduceScatter: n blocks of 2; block b on rank r holds 10 * b + r; rank r gets block r summed.
            MemorySegment send = a.allocate(ValueLayout.JAVA_FLOAT, 2L * n), recv = a.allocate(ValueLayout.JAVA_FLOAT, 2);
            for (int i = 0; i < 2 * n; i++) send.setAtIndex(ValueLayout.JAVA_FLOAT, i, 10 * (i / 2) + r);
            c.reduceScatterSum(send, recv, 2);
            print(r, "reducescatter", recv, 2);
            // allGather: rank r sends {r, -r}.
            MemorySegment mine = a.allocate(ValueLayout.JAVA_FLOAT, 2), all = a.allocate(ValueLayout.JAVA_FLOAT, 2L * n);
            mine.setAtIndex(ValueLayout.JAVA_FLOAT, 0, r);
            mine.setAtIndex(ValueLayout.JAVA_FLOAT, 1, -r);
            c.allGather(mine, all, 2);
            print(r, "allgather", all, 2 * n);
            // broadcast: 3 bytes from the last rank.
            MemorySegment b = a.allocate(3);
            for (int i = 0; i < 3; i++) b.set(ValueLayout.JAVA_BYTE, i, (byte) (r * 10 + i));
            c.broadcast(b, 3, n - 1);
            System.out.println(r + " broadcast " + Arrays.toString(b.toArray(ValueLayout.JAVA_BYTE)));
            c.barrier();
            System.out.println(r + " size " + n + " via " + c.name());
        }
        Collectives.closeWorld();
    }

    private static void print(int rank, String what, MemorySegment s, int count) {
        System.out.println(rank + " " + what + " " + Arrays.toString(Arrays.copyOf(s.toArray(ValueLayout.JAVA_FLOAT), count)));
    }
}
