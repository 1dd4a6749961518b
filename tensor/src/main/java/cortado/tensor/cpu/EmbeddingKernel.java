package cortado.tensor.cpu;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Embedding lookup (gather of rows by id) and its backward (scatter-add of gradient rows into a [V, C] table).
 * Backward splits the work by id modulo the thread count, so every table row has exactly one writer and repeated ids
 * need no locks.
 */
final class EmbeddingKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private EmbeddingKernel() {}

    static Tensor forward(Tensor weight, int[] ids) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("embedding table must be [V, C], got " + Arrays.toString(weight.shape()));
        int v = weight.size(0), c = weight.size(1);
        checkIds(ids, v);
        Tensor out = Tensor.empty(ids.length, c); // every row is copied in
        float[] w = weight.data(), y = out.data();
        int wo = weight.offset(), sv = weight.stride(0), sc = weight.stride(1);
        Chunks.range(ids.length, Math.max(1, 8192 / Math.max(1, c)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int src = wo + ids[i] * sv;
                if (sc == 1 || c == 1) System.arraycopy(w, src, y, i * c, c);
                else for (int j = 0; j < c; j++) y[i * c + j] = w[src + j * sc];
            }
        });
        return out;
    }

    static Tensor backward(Tensor dy, int[] ids, int vocabSize) {
        if (dy.rank() != 2) throw new IllegalArgumentException("embedding gradient must be [" + ids.length
                + ", C], got " + Arrays.toString(dy.shape()));
        Tensor dw = Tensor.zeros(vocabSize, dy.size(1));
        scatterAdd(dw, dy, ids);
        return dw;
    }

    /**
     * dw[ids[i]] += dy[i]. Only the rows of ids are touched; rows are split over threads by id, and each row adds its
     * dy rows in position order, so the result does not depend on the thread count.
     */
    static void scatterAdd(Tensor dw, Tensor dy, int[] ids) {
        if (dy.rank() != 2 || dy.size(0) != ids.length)
            throw new IllegalArgumentException("embedding gradient must be [" + ids.length + ", C], got "
                    + Arrays.toString(dy.shape()));
        int c = dy.size(1);
        if (dw.rank() != 2 || dw.size(1) != c || !dw.isContiguous())
            throw new IllegalArgumentException("embedding gradient table must be a contiguous [V, " + c + "], got "
                    + Arrays.toString(dw.shape()));
        checkIds(ids, dw.size(0));
        Tensor g = dy.contiguous();
        float[] d = g.data(), z = dw.data();
        int go = g.offset(), zo = dw.offset();
        int chunks = Math.max(1, Math.min(Parallel.threads(), ids.length * c / 8192));
        Parallel.forEach(chunks, k -> {
            for (int i = 0; i < ids.length; i++) {
                int id = ids[i];
                if (id % chunks != k) continue;
                int zr = zo + id * c, gr = go + i * c;
                int j = 0, bound = S.loopBound(c);
                for (; j < bound; j += L)
                    FloatVector.fromArray(S, z, zr + j).add(FloatVector.fromArray(S, d, gr + j)).intoArray(z, zr + j);
                for (; j < c; j++) z[zr + j] += d[gr + j];
            }
        });
    }

    private static void checkIds(int[] ids, int v) {
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= v)
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + v + ")");
    }
}
