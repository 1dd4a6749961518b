package cortado.tensor.offheap;

import static cortado.tensor.offheap.SegmentKernels.get;
import static cortado.tensor.offheap.SegmentKernels.load;
import static cortado.tensor.offheap.SegmentKernels.put;
import static cortado.tensor.offheap.SegmentKernels.seg;
import static cortado.tensor.offheap.SegmentKernels.store;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.VectorSpecies;

/**
 * Embedding lookup and its gradient on off-heap memory (torch.nn.functional.embedding): rows of weight [V, C] picked
 * by id, and dweight[ids[i]] += dy[i], touching only the rows used. The scatter splits rows over threads by id, and
 * each row adds its dy rows in position order, so the result does not depend on the thread count.
 */
final class SegmentEmbedding {
    private static final VectorSpecies<Float> S = SegmentKernels.S;
    private static final int L = S.length();

    private SegmentEmbedding() {}

    static Tensor forward(Tensor weight, int[] ids) {
        if (weight.rank() != 2)
            throw new IllegalArgumentException("embedding table must be [V, C], got " + Arrays.toString(weight.shape()));
        int c = weight.size(1);
        checkIds(ids, weight.size(0));
        Tensor out = OffHeapBackend.empty(ids.length, c);
        MemorySegment w = seg(weight), y = seg(out);
        long wo = weight.offsetLong(), sv = weight.strideLong(0), sc = weight.strideLong(1);
        SegmentKernels.rows(ids.length, c, (from, to) -> {
            for (long i = from; i < to; i++) {
                long src = wo + ids[(int) i] * sv;
                if (sc == 1 || c == 1) MemorySegment.copy(w, src * 4, y, i * c * 4, (long) c * 4);
                else for (int j = 0; j < c; j++) put(y, i * c + j, get(w, src + j * sc));
            }
        });
        return out;
    }

    static Tensor backward(Tensor dy, int[] ids, int vocabSize) {
        if (dy.rank() != 2) throw new IllegalArgumentException("embedding gradient must be [" + ids.length
                + ", C], got " + Arrays.toString(dy.shape()));
        Tensor dw = OffHeapBackend.zeroed(vocabSize, dy.size(1));
        scatterAdd(dw, dy, ids);
        return dw;
    }

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
        MemorySegment d = seg(g), z = seg(dw);
        long go = g.offsetLong(), zo = dw.offsetLong();
        int chunks = (int) Math.max(1, Math.min(Parallel.threads(), (long) ids.length * c / 8192));
        int bound = S.loopBound(c);
        Parallel.forEach(chunks, k -> {
            for (int i = 0; i < ids.length; i++) {
                int id = ids[i];
                if (id % chunks != k) continue;
                long zr = zo + (long) id * c, gr = go + (long) i * c;
                int j = 0;
                for (; j < bound; j += L) store(load(z, zr + j).add(load(d, gr + j)), z, zr + j);
                for (; j < c; j++) put(z, zr + j, get(z, zr + j) + get(d, gr + j));
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
