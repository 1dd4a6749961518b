package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static cortado.tensor.cpu.TestTensors.randn;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kernels give the same bits on one thread as on several: attention with every kind of mask, and every other kernel. */
class ThreadCountTest {
    private final Backend be = Backends.cpu();
    private final int before = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(before); }

    private Tensor[] on(int threads, Supplier<Tensor[]> op) {
        Parallel.setThreads(threads);
        return op.get();
    }

    /** Bit for bit: attention's backward has one writer per gradient element, summing in a fixed order. */
    private void identical(Supplier<Tensor[]> op, String what) {
        Tensor[] one = on(1, op), four = on(4, op);
        for (int i = 0; i < one.length; i++)
            assertThat(four[i].contiguous().data()).as(what + " output " + i).isEqualTo(one[i].contiguous().data());
    }

    private static boolean[][] holes(int s) {
        boolean[][] valid = new boolean[1][s];
        for (int j = 0; j < s; j++) valid[0][j] = j % 5 != 2 && (j < 40 || j > 60);
        return valid;
    }

    @Test
    void attentionIsBitIdenticalOnOneAndFourThreads() {
        Random r = new Random(11);
        // batch 1 x 2 kv heads: one pass on 1 thread, two passes (fewer pairs than 2 x threads) on 4, which must agree
        // bit for bit; T and S not multiples of the tile
        Tensor q = randn(r, 1, 4, 100, 32), k = randn(r, 1, 2, 130, 32), v = randn(r, 1, 2, 130, 32);
        Tensor g = randn(r, 1, 4, 100, 32);
        for (AttentionMask m : new AttentionMask[] {AttentionMask.CAUSAL, AttentionMask.BIDIRECTIONAL,
                AttentionMask.CAUSAL.withSlidingWindow(50).withKeyRange(new int[] {7}, new int[] {130}, 130),
                AttentionMask.CAUSAL.withQueryOffsets(30).withKeyPadding(holes(130))})
            identical(() -> {
                Backend.AttentionResult f = be.attention(q, k, v, m, 0.2f);
                Backend.AttentionGrads gr = be.attentionBackward(g, q, k, v, f.out(), f.lse(), m, 0.2f);
                return new Tensor[] {f.out(), f.lse(), gr.dq(), gr.dk(), gr.dv()};
            }, "attention " + m);
    }

    private static Map<String, Long> checksums(int threads) {
        Parallel.setThreads(threads);
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : KernelSuite.run().entrySet())
            out.put(e.getKey(), KernelSuite.checksum(e.getValue()));
        return out;
    }

    /**
     * Every kernel with a reduction or a split loop: reductions are cut into pieces fixed by the sizes alone and summed
     * in a fixed order (norm weight gradients per block of rows, whole-tensor sums per block of elements), and flat
     * SIMD loops split only at multiples of every vector width, so no element moves between a vector body and a scalar
     * tail. This is what lets a run continue bit for bit on another --threads.
     */
    @Test
    void everyKernelGivesTheSameBitsOnOneToFourThreads() {
        Map<String, Long> one = checksums(1);
        List<String> differ = new ArrayList<>();
        for (int threads = 2; threads <= 4; threads++) {
            Map<String, Long> many = checksums(threads);
            for (Map.Entry<String, Long> e : one.entrySet())
                if (!e.getValue().equals(many.get(e.getKey()))) differ.add(e.getKey() + " on " + threads + " threads");
        }
        assertThat(differ).as("outputs that differ from one thread").isEmpty();
    }
}
