package cortado.tensor.cpu;

import cortado.tensor.OptimizerChecks;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The update directions of Adafactor (Shazeer &amp; Stern 2018) as {@code transformers.optimization.Adafactor} computes
 * them, before its RMS clip and learning rate. Both return the sum of squares of the update (in double, summed row
 * by row in a fixed order, so the result does not depend on the thread count), which the clip
 * {@code update / max(1, rms(update) / clip_threshold)} needs.
 */
public final class AdafactorKernel {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private AdafactorKernel() {}

    /**
     * Factored second moments ({@code _approx_sq_grad}): for a gradient viewed as {@code matrices} matrices of
     * {@code rows x cols}, with the row moments {@code row} [matrices * rows] and column moments {@code col}
     * [matrices * cols] already updated, update = rsqrt(row / mean(row)) * rsqrt(col) * grad * gradScale.
     */
    public static double factored(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices, int rows, int cols,
                                  float gradScale) {
        OptimizerChecks.adafactorFactored(grad, row, col, update, matrices, rows, cols);
        long n = (long) matrices * rows * cols;
        MemorySegment g = grad.storage().segment(), r = row.storage().segment(), c = col.storage().segment(),
                u = update.storage().segment();
        long go = grad.offsetLong(), ro = row.offsetLong(), co = col.offsetLong(), uo = update.offsetLong();
        float[] rowMean = new float[matrices];
        for (int b = 0; b < matrices; b++) {
            float s = 0;   // torch's mean over a short row; float, as its own is
            for (int i = 0; i < rows; i++) s += r.getAtIndex(F32, ro + (long) b * rows + i);
            rowMean[b] = s / rows;
        }
        double[] rowSq = new double[matrices * rows];
        Parallel.forRange(matrices * rows, (from, to) -> {
            for (int br = from; br < to; br++) {
                int b = br / rows;
                float rf = 1f / (float) Math.sqrt(r.getAtIndex(F32, ro + br) / rowMean[b]);
                long base = (long) br * cols, colBase = co + (long) b * cols;
                double sq = 0;
                for (int j = 0; j < cols; j++) {
                    float cf = 1f / (float) Math.sqrt(c.getAtIndex(F32, colBase + j));
                    float ui = (rf * cf) * (g.getAtIndex(F32, go + base + j) * gradScale);
                    u.setAtIndex(F32, uo + base + j, ui);
                    sq += (double) ui * ui;
                }
                rowSq[br] = sq;
            }
        });
        double total = 0;
        for (double s : rowSq) total += s;
        return total;
    }

    /**
     * Unfactored second moment (vectors): v = v * beta2t + (1 - beta2t) * (g^2 + eps1), update = rsqrt(v) * g, with
     * g = grad * gradScale.
     */
    public static double unfactored(Tensor grad, Tensor v, Tensor update, float beta2t, float eps1, float gradScale) {
        OptimizerChecks.sameContiguous("adafactor", grad, v, update);
        MemorySegment g = grad.storage().segment(), vv = v.storage().segment(), u = update.storage().segment();
        long go = grad.offsetLong(), vo = v.offsetLong(), uo = update.offsetLong();
        float ob2 = 1f - beta2t;
        int n = grad.numel();
        final int grain = 1 << 12;
        int pieces = (n + grain - 1) / grain;
        double[] pieceSq = new double[pieces];
        Parallel.forRange(pieces, (c0, c1) -> {
            for (int piece = c0; piece < c1; piece++) {
                double sq = 0;
                for (long i = (long) piece * grain, end = Math.min(n, (long) (piece + 1) * grain); i < end; i++) {
                    float gi = g.getAtIndex(F32, go + i) * gradScale;
                    float vi = vv.getAtIndex(F32, vo + i) * beta2t + (gi * gi + eps1) * ob2;
                    vv.setAtIndex(F32, vo + i, vi);
                    float ui = (1f / (float) Math.sqrt(vi)) * gi;
                    u.setAtIndex(F32, uo + i, ui);
                    sq += (double) ui * ui;
                }
                pieceSq[piece] = sq;
            }
        });
        double total = 0;
        for (double s : pieceSq) total += s;
        return total;
    }
}
