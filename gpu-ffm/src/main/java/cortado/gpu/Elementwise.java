package cortado.gpu;

import cortado.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The host side of {@code elementwise.cu}: its operation codes and the {@code Geometry} struct (an output shape and
 * the element strides of out, a and b, 0 along broadcast dimensions), so one kernel serves every elementwise
 * operation on any views without copies.
 */
final class Elementwise {
    /** Must match {@code enum Op} in elementwise.cu, in order. */
    enum Op {
        COPY, FILL, ADD, SUB, MUL, DIV, AFFINE, AXPY, EXP, LOG, TANH, SIGMOID,
        GELU, GELU_BACKWARD, GELU_ERF, GELU_ERF_BACKWARD, SILU, SILU_BACKWARD
    }

    static final int MAX_RANK = 8;
    /** sizeof(Geometry): four long long[8] arrays and an int, padded to 8. */
    static final long GEOMETRY_BYTES = 4L * MAX_RANK * 8 + 8;

    private Elementwise() {}

    /** NumPy broadcasting: shapes aligned at the right, each pair equal or one of them 1. */
    static int[] broadcastShape(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * The element strides with which {@code t} is read over output {@code shape} (t's shape aligned at the right;
     * 0 where t has size 1 or lacks the dimension). Null t gives zeros.
     */
    static long[] readStrides(int[] shape, Tensor t) {
        long[] s = new long[shape.length];
        if (t == null) return s;
        int[] ts = t.shape();
        long[] st = t.stridesLong();
        int lead = shape.length - ts.length;
        if (lead < 0) throw new IllegalArgumentException(t + " has more dimensions than the result " + Arrays.toString(shape));
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] == shape[lead + i]) s[lead + i] = ts[i] == 1 ? 0 : st[i];
            else if (ts[i] == 1) s[lead + i] = 0;
            else throw new IllegalArgumentException(t + " does not broadcast to " + Arrays.toString(shape));
        }
        return s;
    }

    /** The Geometry struct's bytes for output {@code out} (any view) read from a and b (either may be null). */
    static MemorySegment geometry(Arena arena, Tensor out, Tensor a, Tensor b) {
        int[] shape = out.shape();
        if (shape.length > MAX_RANK)
            throw new IllegalArgumentException("the CUDA backend handles tensors of up to " + MAX_RANK + " dimensions, got "
                    + Arrays.toString(shape));
        MemorySegment g = arena.allocate(GEOMETRY_BYTES, 8);
        long[] so = out.stridesLong(), sa = readStrides(shape, a), sb = readStrides(shape, b);
        for (int i = 0; i < shape.length; i++) {
            g.setAtIndex(ValueLayout.JAVA_LONG, i, shape[i]);
            g.setAtIndex(ValueLayout.JAVA_LONG, MAX_RANK + i, so[i]);
            g.setAtIndex(ValueLayout.JAVA_LONG, 2 * MAX_RANK + i, sa[i]);
            g.setAtIndex(ValueLayout.JAVA_LONG, 3 * MAX_RANK + i, sb[i]);
        }
        g.set(ValueLayout.JAVA_INT, 4L * MAX_RANK * 8, shape.length);
        return g;
    }
}
