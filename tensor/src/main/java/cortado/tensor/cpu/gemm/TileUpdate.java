package cortado.tensor.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/** Merges a finished MR x NR accumulator tile into C: {@code C = alpha * tile + beta * C} on the valid mr x nr part. */
final class TileUpdate {
    private static final VectorSpecies<Float> S = MicroKernel.S;
    private static final int VL = MicroKernel.VL, NR = MicroKernel.NR;

    private TileUpdate() {}

    static void apply(float[] tile, float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta) {
        if (nr == NR) { // full-width rows: plain loads and stores
            for (int r = 0; r < mr; r++) {
                int row = cOff + r * ldc;
                for (int j = 0; j < NR; j += VL) {
                    FloatVector v = FloatVector.fromArray(S, tile, r * NR + j);
                    if (alpha != 1f) v = v.mul(alpha);
                    if (beta == 1f) v = v.add(FloatVector.fromArray(S, c, row + j));
                    else if (beta != 0f) v = FloatVector.fromArray(S, c, row + j).mul(beta).add(v); // 0: C unread
                    v.intoArray(c, row + j);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) { // the ragged right edge of C: masked
            int row = cOff + r * ldc;
            for (int j = 0; j < nr; j += VL) {
                VectorMask<Float> m = S.indexInRange(j, nr);
                FloatVector v = FloatVector.fromArray(S, tile, r * NR + j);
                if (alpha != 1f) v = v.mul(alpha);
                if (beta != 0f) v = FloatVector.fromArray(S, c, row + j, m).mul(beta).add(v); // beta == 0: C unread
                v.intoArray(c, row + j, m);
            }
        }
    }
}
