package cortado.tensor.cpu;

import cortado.tensor.Backend;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bias of a projection fused with the GELU after it (GPT-2's MLP: gelu(x W + b)), forward and backward side by
 * side. Forward reads the matrix product z once and writes gelu(z + b), so z + b never exists as a tensor; backward
 * reads dy and z once and writes dz = dy * gelu'(z + b) while summing the bias gradient db = sum over rows of dz.
 *
 * <p>The row sums are taken over fixed blocks of {@value #ROWS_PER_BLOCK} rows and the block sums added in block order,
 * so db is the same for every thread count.
 */
final class BiasGeluKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int ROWS_PER_BLOCK = 32;

    private BiasGeluKernel() {}

    /** gelu(z + bias), z [..., C] and bias [C] (bias null: plain GELU). */
    static Tensor forward(Tensor z, Tensor bias) {
        int c = check(z, bias, null);
        Tensor zc = z.contiguous();
        Tensor out = Tensor.empty(z.shape());
        float[] a = zc.data(), y = out.data();
        int ao = zc.offset();
        float[] b = biasRow(bias, c);
        int rows = c == 0 ? 0 : z.numel() / c;
        Chunks.range(rows, Math.max(1, (1 << 14) / Math.max(1, c)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int src = ao + r * c, dst = r * c, j = 0;
                for (; j + L <= c; j += L)
                    Activations.gelu(FloatVector.fromArray(S, a, src + j).add(FloatVector.fromArray(S, b, j)))
                            .intoArray(y, dst + j);
                for (; j < c; j++) y[dst + j] = Activations.gelu(a[src + j] + b[j]);
            }
        });
        return out;
    }

    /** dz = dy * gelu'(z + bias) and dbias = sum of dz over rows (null when bias is null). */
    static Backend.BiasGeluGrads backward(Tensor dy, Tensor z, Tensor bias) {
        int c = check(z, bias, dy);
        Tensor gc = dy.contiguous(), zc = z.contiguous();
        Tensor dz = Tensor.empty(z.shape());
        float[] g = gc.data(), a = zc.data(), d = dz.data();
        int go = gc.offset(), ao = zc.offset();
        float[] b = biasRow(bias, c);
        int rows = c == 0 ? 0 : z.numel() / c;
        int blocks = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
        float[][] partial = bias == null ? null : new float[blocks][];
        Parallel.forEach(blocks, blk -> {
            float[] acc = bias == null ? null : new float[c];
            for (int r = blk * ROWS_PER_BLOCK, end = Math.min(rows, r + ROWS_PER_BLOCK); r < end; r++) {
                int zr = ao + r * c, gr = go + r * c, dr = r * c, j = 0;
                for (; j + L <= c; j += L) {
                    FloatVector v = FloatVector.fromArray(S, a, zr + j).add(FloatVector.fromArray(S, b, j));
                    FloatVector dv = Activations.geluSlope(v).mul(FloatVector.fromArray(S, g, gr + j));
                    dv.intoArray(d, dr + j);
                    if (acc != null) dv.add(FloatVector.fromArray(S, acc, j)).intoArray(acc, j);
                }
                for (; j < c; j++) {
                    float dv = g[gr + j] * Activations.geluSlope(a[zr + j] + b[j]);
                    d[dr + j] = dv;
                    if (acc != null) acc[j] += dv;
                }
            }
            if (partial != null) partial[blk] = acc;
        });
        if (bias == null) return new Backend.BiasGeluGrads(dz, null);
        Tensor db = Tensor.zeros(c);
        float[] s = db.data();
        for (float[] p : partial) // block order: the same sum for any thread count
            for (int j = 0; j < c; j++) s[j] += p[j];
        return new Backend.BiasGeluGrads(dz, db);
    }

    /** The bias as a plain array of C values (zeros when absent). */
    private static float[] biasRow(Tensor bias, int c) {
        if (bias == null) return new float[c];
        Tensor bc = bias.contiguous();
        return bc.offset() == 0 && bc.data().length == c ? bc.data()
                : Arrays.copyOfRange(bc.data(), bc.offset(), bc.offset() + c);
    }

    private static int check(Tensor z, Tensor bias, Tensor dy) {
        if (z.rank() < 1) throw new IllegalArgumentException("bias + GELU needs a tensor of rank >= 1, got a scalar");
        int c = z.size(-1);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != c))
            throw new IllegalArgumentException("bias + GELU: bias " + Arrays.toString(bias.shape())
                    + " does not match the last dimension of " + Arrays.toString(z.shape()));
        if (dy != null && !dy.sameShape(z))
            throw new IllegalArgumentException("bias + GELU backward: gradient " + Arrays.toString(dy.shape())
                    + " does not match " + Arrays.toString(z.shape()));
        return c;
    }
}
