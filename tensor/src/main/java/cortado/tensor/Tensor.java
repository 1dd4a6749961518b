package cortado.tensor;

import java.util.Arrays;

/**
 * An n-dimensional float32 array: a {@link Storage}, a shape, strides and an offset (all in elements), so reshape,
 * transpose, permute and slice are views that copy nothing. Each dimension is an int, but strides, the offset and the
 * element count are longs, so a tensor on a backend with long-indexed storage (the off-heap one) may hold more than
 * 2^31 elements; the int accessors ({@link #numel}, {@link #strides}, {@link #offset}) serve heap tensors and fail
 * loudly on a value beyond int, the {@code ...Long} ones serve every tensor. It also carries the three autograd fields (requiresGrad,
 * grad, gradFn); a parameter is simply a tensor that requires grad.
 *
 * <p>Operations that compute go through {@link #backend()}, chosen by where the storage lives.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    private boolean requiresGrad;
    private Tensor grad;
    private GradFn gradFn;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this(storage, shape, widen(strides), offset);
    }

    /** A view with long strides and offset: for storages beyond 2^31 elements. */
    public Tensor(Storage storage, int[] shape, long[] strides, long offset) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        this.storage = storage;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    private static long[] widen(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) l[i] = a[i];
        return l;
    }

    // ---- creation ----

    /** A new zero-filled contiguous CPU tensor (host memory; ops create their results on their inputs' backend). */
    public static Tensor zeros(int... shape) {
        return new Tensor(new CpuStorage(checkedNumel(shape)), shape, contiguousStrides(shape), 0);
    }

    /**
     * A new contiguous CPU tensor whose contents are unspecified: for results a kernel overwrites entirely, so a pooled
     * buffer ({@link StepArena}) is not zero-filled first.
     */
    public static Tensor empty(int... shape) {
        return new Tensor(new CpuStorage(checkedNumel(shape), false), shape, contiguousStrides(shape), 0);
    }

    /** A new CPU tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data(), value);
        return t;
    }

    /** Wraps {@code data} (no copy) as a contiguous tensor of {@code shape}. */
    public static Tensor of(float[] data, int... shape) {
        if (checkedNumel(shape) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + checkedNumel(shape)
                    + " elements, got " + data.length);
        return new Tensor(new CpuStorage(data), shape, contiguousStrides(shape), 0);
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(float value) { return of(new float[] {value}); }

    /** A new tensor of the same shape and backend, zero-filled. */
    public Tensor zerosLike() { return backend().zeros(shape); }

    /** This tensor on {@code target}: itself when it already lives there, otherwise a copy (see {@link Backend#transfer}). */
    public Tensor to(Backend target) { return target.transfer(this); }

    // ---- shape ----

    public int[] shape() { return shape.clone(); }

    /** Strides as ints (heap tensors); fails on a stride beyond int, see {@link #stridesLong}. */
    public int[] strides() {
        int[] s = new int[strides.length];
        for (int i = 0; i < s.length; i++) s[i] = narrow(strides[i], "stride");
        return s;
    }

    public long[] stridesLong() { return strides.clone(); }

    /** The offset as an int (heap tensors); fails on an offset beyond int, see {@link #offsetLong}. */
    public int offset() { return narrow(offset, "offset"); }

    public long offsetLong() { return offset; }

    public Storage storage() { return storage; }

    public int rank() { return shape.length; }

    /** Size of dimension {@code d}; negative counts from the end. */
    public int size(int d) { return shape[axis(d)]; }

    public int stride(int d) { return narrow(strides[axis(d)], "stride"); }

    public long strideLong(int d) { return strides[axis(d)]; }

    /** The element count as an int (heap tensors); fails beyond int, see {@link #numelLong}. */
    public int numel() { return narrow(numelLong(), "element count"); }

    public long numelLong() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    private int narrow(long v, String what) {
        if (v != (int) v)
            throw new IllegalStateException("the " + what + " " + v + " of " + this + " is beyond int: use the long"
                    + " accessors (numelLong, stridesLong, offsetLong)");
        return (int) v;
    }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    /** Normalises a possibly negative axis. */
    public int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length)
            throw new IllegalArgumentException("axis " + d + " out of range for shape " + Arrays.toString(shape));
        return a;
    }

    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Row-major strides of {@code shape} as longs (for shapes of more than 2^31 elements). */
    public static long[] contiguousStridesLong(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** The element count of {@code shape} as a long, checking for negative dimensions and overflow. */
    public static long numelOf(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static int checkedNumel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 8)
                throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " is too large");
        }
        return (int) n;
    }

    // ---- views ----

    /** Same elements, new shape; one dimension may be -1. A view when contiguous, otherwise a contiguous copy. */
    public Tensor reshape(int... newShape) {
        int[] s = inferShape(newShape);
        Tensor src = isContiguous() ? this : contiguous();
        return new Tensor(src.storage, s, contiguousStridesLong(s), src.offset);
    }

    /** Like {@link #reshape} but refuses to copy. */
    public Tensor view(int... newShape) {
        if (!isContiguous()) throw new IllegalStateException("view of a non-contiguous tensor " + this);
        return reshape(newShape);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newShape));
                infer = i;
            } else known *= s[i];
        }
        long n = numelLong();
        if (infer >= 0) {
            if (known == 0 || n % known != 0 || n / known > Integer.MAX_VALUE)
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            s[infer] = (int) (n / known);
        }
        if (numelOf(s) != n)
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        return s;
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int a, int b) {
        a = axis(a);
        b = axis(b);
        int[] sh = shape.clone();
        long[] st = strides.clone();
        sh[a] = shape[b]; sh[b] = shape[a];
        st[a] = strides[b]; st[b] = strides[a];
        return new Tensor(storage, sh, st, offset);
    }

    /** Reorders dimensions (a view): result dimension i is this tensor's dimension {@code order[i]}. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) throw new IllegalArgumentException("permute needs " + shape.length + " axes");
        int[] sh = new int[order.length];
        long[] st = new long[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int a = axis(order[i]);
            if (seen[a]) throw new IllegalArgumentException("repeated axis in " + Arrays.toString(order));
            seen[a] = true;
            sh[i] = shape[a];
            st[i] = strides[a];
        }
        return new Tensor(storage, sh, st, offset);
    }

    /** Elements {@code [start, end)} along {@code dim} (a view). */
    public Tensor slice(int dim, int start, int end) {
        int a = axis(dim);
        if (start < 0 || end > shape[a] || start > end)
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for dim " + dim
                    + " of shape " + Arrays.toString(shape));
        int[] sh = shape.clone();
        sh[a] = end - start;
        return new Tensor(storage, sh, strides, offset + start * strides[a]);
    }

    /** Index {@code i} along dimension 0, dropping it (a view). */
    public Tensor select(int i) {
        if (rank() == 0 || i < 0 || i >= shape[0]) throw new IllegalArgumentException("index " + i + " out of range");
        return new Tensor(storage, Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(strides, 1, strides.length), offset + i * strides[0]);
    }

    /** This tensor if contiguous, otherwise a contiguous copy. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        return backend().copy(this);
    }

    // ---- data access ----

    /** The backend that computes on this tensor's storage. */
    public Backend backend() { return storage.backend(); }

    /**
     * The backing array of a CPU tensor, for the CPU kernels only (code above the tensor module goes through
     * {@link Backend}); element (i0..in) sits at offset() + sum(i_k * stride_k).
     */
    public float[] data() {
        if (storage instanceof CpuStorage c) return c.array();
        throw new IllegalArgumentException(this + " lives on " + storage.backend().name()
                + " but the operation runs on cpu; move it with Tensor.to(Backend) first");
    }

    /** A fresh row-major host copy of the elements (through the backend). */
    public float[] toArray() { return backend().toArray(this); }

    /** One element, read back through the backend. */
    public float get(int... idx) { return backend().item(element(idx)); }

    /** Sets one element through the backend. */
    public void set(float value, int... idx) { backend().fillInPlace(element(idx), value); }

    /** The single value of a one-element tensor (a loss), read back through the backend. */
    public float item() { return backend().item(this); }

    /** A 0-dimensional view of one element. */
    private Tensor element(int[] idx) { return new Tensor(storage, new int[0], new long[0], index(idx)); }

    private long index(int[] idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("need " + shape.length + " indices");
        long p = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException("index " + Arrays.toString(idx)
                    + " out of range for shape " + Arrays.toString(shape));
            p += idx[i] * strides[i];
        }
        return p;
    }

    // ---- autograd fields ----

    public boolean requiresGrad() { return requiresGrad; }

    public Tensor requiresGrad(boolean on) {
        this.requiresGrad = on;
        return this;
    }

    /** Accumulated dL/d(this), or null before the first backward pass. */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) { this.grad = g; }

    public GradFn gradFn() { return gradFn; }

    public void setGradFn(GradFn fn) { this.gradFn = fn; }

    /** A view of the same data with no autograd history. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset); }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (requiresGrad ? "(requires grad)" : "");
    }
}
