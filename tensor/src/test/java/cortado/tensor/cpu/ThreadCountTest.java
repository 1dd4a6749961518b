package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.randn;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kernels that split work differently by thread count (per-thread partial sums, row chunking) give the same results on
 * one thread as on several, up to float rounding of the partial sums; attention, forward and backward, gives the same
 * bits.
 */
class ThreadCountTest {
    private final Backend be = Backends.cpu();
    private final int before = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(before); }

    private Tensor[] on(int threads, Supplier<Tensor[]> op) {
        Parallel.setThreads(threads);
        return op.get();
    }

    private void same(Supplier<Tensor[]> op, String what) {
        Tensor[] one = on(1, op), four = on(4, op);
        for (int i = 0; i < one.length; i++) assertClose(four[i], one[i], 1e-5, 1e-6, what + " output " + i);
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

    @Test
    void normsLossAndReductionsMatchSingleThread() {
        Random r = new Random(12);
        Tensor x = randn(r, 300, 96), w = randn(r, 96), b = randn(r, 96), dy = randn(r, 300, 96);
        Tensor logits = randn(r, 40, 3001);
        int[] targets = new int[40];
        for (int i = 0; i < targets.length; i++) targets[i] = i % 5 == 0 ? -100 : r.nextInt(3001);
        int[] ids = new int[500];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(37);
        Tensor rows = randn(r, 500, 96);
        same(() -> {
            Backend.NormResult ln = be.layerNorm(x, w, b, 1e-5f);
            Backend.NormGrads lg = be.layerNormBackward(dy, x, w, ln.mean(), ln.rstd());
            Backend.NormResult rn = be.rmsNorm(x, w, 1e-6f);
            Backend.NormGrads rg = be.rmsNormBackward(dy, x, w, rn.rstd());
            Backend.CrossEntropyResult ce = be.crossEntropy(logits, targets, -100);
            Tensor dl = be.crossEntropyBackward(logits, targets, ce.lse(), -100, 1f, ce.counted());
            return new Tensor[] {ln.out(), lg.dx(), lg.dweight(), lg.dbias(), rn.out(), rg.dx(), rg.dweight(),
                Tensor.scalar(ce.loss()), dl, be.embeddingBackward(rows, ids, 37), be.sum(dy, 0, false),
                be.sumToShape(dy, new int[] {96}), Tensor.scalar((float) be.sumOfSquares(x))};
        }, "norms/loss/reductions");
    }
}
