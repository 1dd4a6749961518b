package cortado.gpu;

import cortado.gpu.Elementwise.Op;
import cortado.gpu.ffm.Cublas;
import cortado.gpu.ffm.LibraryLocator;
import cortado.tensor.Adam8bit;
import cortado.tensor.OptimizerChecks;
import cortado.tensor.ReducedShape;
import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The CUDA backend: tensors in device memory ({@link CudaStorage}), computed on by NVRTC-compiled kernels
 * ({@code src/main/resources/cortado/gpu/kernels/*.cu}) and cuBLAS, all queued in order on one stream; host reads
 * synchronize.
 *
 * <p>On the device, backward passes with their forwards: creation, host transfers (through a pinned buffer), copies
 * and fills of any view; every elementwise operation with broadcasting on any views (one kernel); sum/max along a
 * dimension, whole-tensor sums (double partials), sumToShape; GELU (tanh and exact), SiLU, fused bias + GELU; softmax
 * and log-softmax; LayerNorm and RMSNorm; embedding lookup and gradient; RoPE; attention with every mask kind (not
 * tiled: one block per query or key row with its scores in shared memory, so up to ~12K keys; larger calls fall back
 * to the host); dropout (the CPU's mask bit for bit); cross-entropy; AdamW, SGD, Lion, LAMB's and Adafactor's
 * updates; the matrix products (cuBLAS SGEMM, strided-batched, fp32 without TF32, on views without copies where
 * cuBLAS's layouts allow). Frozen 4-bit, int8 and 16-bit weights stay in their formats on the device and are decoded
 * to fp32 for each product (no fused dequantizing GEMM yet). The paged AdamW's moments stay in their host pages and
 * travel to the device range by range.
 *
 * <p>Still on the CPU backend through host copies ({@link HostFallback}, exact CPU results): 8-bit AdamW (only its
 * range travels). Dimensions up to 8; reductions and norms copy a non-contiguous input first.
 *
 * <p>Unverified on hardware so far: this session had no GPU. Kernels are compiled in CI; the conformance suite
 * ({@code CudaBackendConformanceTest}) runs where a device exists, and passes without one against the host stand-in
 * for the CUDA libraries in {@code tools/gpu/fake_cuda} (the kernels' host builds, a loop for SGEMM).
 */
public final class CudaBackend implements Backend {
    private static final int BLOCK = 256;

    private final CudaDevice device;
    private final HostFallback host = new HostFallback(this);

    private CudaBackend(CudaDevice device) { this.device = device; }

    private static CudaBackend instance;

    /** The backend on device 0, opened at first use; fails (naming the cause) where {@link CudaProbe} is false. */
    public static synchronized CudaBackend instance() {
        if (instance == null) {
            CudaProbe probe = CudaProbe.probe();
            if (!probe.available()) throw new IllegalStateException("the CUDA backend cannot run here: " + probe.reason());
            instance = new CudaBackend(CudaDevice.open(new LibraryLocator(), 0));
        }
        return instance;
    }

    CudaDevice device() { return device; }

    @Override public String name() { return "cuda"; }

    @Override public String toString() { return "CUDA backend on " + device; }

    // ---- helpers ----

    private Tensor empty(int... shape) {
        return new Tensor(new CudaStorage(this, Tensor.numelOf(shape)), shape, Tensor.contiguousStridesLong(shape), 0);
    }

    /** The device address of {@code t}'s first element (null gives 0). */
    private static long ptr(Tensor t) { return CudaStorage.address(t); }

    private Tensor on(String op, Tensor first, Tensor... rest) {
        Backends.requireOn(this, op, first);
        Backends.requireOn(this, op, rest);
        return first;
    }

    private Tensor contiguous(Tensor t) { return t == null || t.isContiguous() ? t : copy(t); }

    private int gridFor(long work) {
        long blocks = (work + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(blocks, (long) device.multiprocessors * 32));
    }

    private static int rowsGrid(long rows) { return (int) Math.max(1, Math.min(rows, 1 << 20)); }

    private void launch(String file, String kernel, int grid, KernelArgs args) { launch(file, kernel, grid, 0, args); }

    private void launch(String file, String kernel, int grid, int sharedBytes, KernelArgs args) {
        device.makeCurrent();
        KernelModules.Function f = device.kernels().function(file, kernel);
        if (!f.signature().params().equals(args.kinds()))
            throw new IllegalStateException("kernel " + kernel + " of " + file + " takes " + f.signature().params()
                    + " but was launched with " + args.kinds());
        device.driver.launch(kernel, f.handle(), grid, BLOCK, sharedBytes, device.stream, args.params());
    }

    /** out = op(a, b) elementwise over out's shape (out any view; a and b broadcast to it; either may be null). */
    private void elementwise(Op op, Tensor out, Tensor a, Tensor b, float p0, float p1) {
        long n = out.numelLong();
        if (n == 0) return;
        try (KernelArgs args = new KernelArgs()) {
            args.i32(op.ordinal()).i64(n).geometry(Elementwise.geometry(args.arena(), out, a, b))
                    .tensor(out).tensor(a).tensor(b).f32(p0).f32(p1);
            launch("elementwise.cu", "elementwise", gridFor(n), args);
        }
    }

    private Tensor unary(Op op, Tensor a, float p0, float p1) {
        Tensor out = empty(a.shape());
        elementwise(op, out, a, null, p0, p1);
        return out;
    }

    private Tensor binary(String name, Op op, Tensor a, Tensor b) {
        on(name, a, b);
        Tensor out = empty(Elementwise.broadcastShape(name, a.shape(), b.shape()));
        elementwise(op, out, a, b, 0f, 0f);
        return out;
    }

    private Tensor pairwise(String name, Op op, Tensor dy, Tensor x) {
        on(name, dy, x);
        if (!dy.sameShape(x)) throw new IllegalArgumentException(name + ": " + dy + " and " + x + " differ in shape");
        Tensor out = empty(x.shape());
        elementwise(op, out, dy, x, 0f, 0f);
        return out;
    }

    /** {@code ints} in device memory (a float tensor's block: the same 4-byte elements). */
    private Tensor deviceInts(int[] ints) {
        Tensor holder = empty(Math.max(1, ints.length));
        if (ints.length > 0) device.staging().upload(MemorySegment.ofArray(ints), ptr(holder));
        return holder;
    }

    // ---- memory ----

    @Override public Tensor copy(Tensor x) {
        on("copy", x);
        Tensor out = empty(x.shape());
        elementwise(Op.COPY, out, x, null, 0f, 0f);
        return out;
    }

    @Override public void copyInto(Tensor dst, Tensor src) {
        on("copyInto", dst, src);
        if (!dst.sameShape(src)) throw new IllegalArgumentException("copyInto: " + src + " into " + dst);
        elementwise(Op.COPY, dst, src, null, 0f, 0f);
    }

    @Override public void fillInPlace(Tensor x, float value) {
        elementwise(Op.FILL, on("fillInPlace", x), null, null, value, 0f);
    }

    // ---- creation and host transfers ----

    @Override public Tensor zeros(int... shape) {
        Tensor t = empty(shape);
        device.makeCurrent();
        device.runtime.memsetAsync(ptr(t), 0, t.numelLong() * Float.BYTES, device.stream);
        return t;
    }

    @Override public Tensor fromArray(float[] data, int... shape) {
        if (Tensor.numelOf(shape) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Tensor.numelOf(shape)
                    + " elements, got " + data.length);
        Tensor t = empty(shape);
        device.staging().upload(data, 0, data.length, ptr(t));
        return t;
    }

    @Override public void readHost(Tensor x, HostFloats reader) {
        Tensor c = contiguous(on("readHost", x));
        float[] out = new float[Math.toIntExact(c.numelLong())];
        device.staging().download(ptr(c), out, 0, out.length);
        reader.use(out, 0, out.length);
    }

    @Override public void writeHost(Tensor dst, HostFloats writer) {
        on("writeHost", dst);
        float[] buf = new float[Math.toIntExact(dst.numelLong())];
        writer.use(buf, 0, buf.length);
        Tensor target = dst.isContiguous() ? dst : empty(dst.shape());
        device.staging().upload(buf, 0, buf.length, ptr(target));
        if (target != dst) elementwise(Op.COPY, dst, target, null, 0f, 0f);
    }

    @Override public Tensor transfer(Tensor x) {
        if (x.backend() == this) return x;
        Tensor out = empty(x.shape());
        x.backend().readHost(x, (a, off, n) -> device.staging().upload(a, off, n, ptr(out)));
        return out;
    }

    // ---- matrix multiply (cuBLAS) ----

    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        on("matmul", a, b);
        GemmPlan.Shape s = GemmPlan.shape(a, b, transA, transB);
        int[] outShape = s.out();
        if (s.k() == 0 || s.m() == 0 || s.n() == 0) return zeros(outShape);
        Tensor out = empty(outShape);
        gemm(s, a, b, transA, transB, out, s.n(), (long) s.m() * s.n(), 0f);
        return out;
    }

    @Override public void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        on("matmulInto", out, a, b);
        if (out.rank() != 2 || a.rank() != 2 || b.rank() != 2) {
            Backend.super.matmulInto(out, a, b, transA, transB, accumulate);
            return;
        }
        GemmPlan.Shape s = GemmPlan.shape(a, b, transA, transB);
        if (out.size(0) != s.m() || out.size(1) != s.n())
            throw new IllegalArgumentException("matmulInto: product [" + s.m() + ", " + s.n() + "] does not fit out " + out);
        if (s.m() == 0 || s.n() == 0) return;
        if (s.k() == 0) {
            if (!accumulate) fillInPlace(out, 0f);
            return;
        }
        GemmLayout lo = GemmLayout.of(out);
        if (lo == null || lo.columnMajor()) { // cuBLAS writes C column-major: out must be row-major for C^T
            Backend.super.matmulInto(out, a, b, transA, transB, accumulate);
            return;
        }
        gemm(s, a, b, transA, transB, out, lo.ld(), 0, accumulate ? 1f : 0f);
    }

    private void gemm(GemmPlan.Shape s, Tensor a, Tensor b, boolean transA, boolean transB, Tensor out, int ldc,
                      long strideC, float beta) {
        GemmLayout la = GemmLayout.of(a), lb = GemmLayout.of(b);
        if (la == null) la = GemmLayout.of(a = copy(a));
        if (lb == null) lb = GemmLayout.of(b = copy(b));
        GemmPlan p = GemmPlan.of(s, a, la, transA, b, lb, transB, ldc, strideC);
        long base = ptr(out), pa = ((CudaStorage) a.storage()).pointer(), pb = ((CudaStorage) b.storage()).pointer();
        long first = pb + p.firstOffset() * Float.BYTES, second = pa + p.secondOffset() * Float.BYTES;
        int opF = p.transFirst() ? Cublas.OP_T : Cublas.OP_N, opS = p.transSecond() ? Cublas.OP_T : Cublas.OP_N;
        device.makeCurrent();
        if (p.batch() == 1)
            device.cublas.sgemm(device.cublasHandle, opF, opS, p.m(), p.n(), p.k(), 1f, first, p.ldFirst(), second,
                    p.ldSecond(), beta, base, p.ldc());
        else
            device.cublas.sgemmStridedBatched(device.cublasHandle, opF, opS, p.m(), p.n(), p.k(), 1f, first,
                    p.ldFirst(), p.strideFirst(), second, p.ldSecond(), p.strideSecond(), beta, base, p.ldc(),
                    p.strideC(), p.batch());
        // the operands (a copy may exist only here) must outlive the enqueue: see KernelArgs.tensor
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(b);
        Reference.reachabilityFence(out);
    }

    // ---- elementwise ----

    @Override public Tensor add(Tensor a, Tensor b) { return binary("add", Op.ADD, a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return binary("sub", Op.SUB, a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return binary("mul", Op.MUL, a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return binary("div", Op.DIV, a, b); }
    @Override public Tensor scale(Tensor a, float s) { return unary(Op.AFFINE, on("scale", a), s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return unary(Op.AFFINE, on("addScalar", a), 1f, s); }

    @Override public void axpyInPlace(Tensor dst, float alpha, Tensor src) {
        on("axpyInPlace", dst, src);
        if (!dst.sameShape(src)) throw new IllegalArgumentException("axpyInPlace: " + src + " into " + dst);
        elementwise(Op.AXPY, dst, src, dst, alpha, 0f);
    }

    @Override public void scaleInPlace(Tensor x, float s) {
        on("scaleInPlace", x);
        elementwise(Op.AFFINE, x, x, null, s, 0f);
    }

    @Override public void addRowsInPlace(Tensor x, Tensor row) {
        on("addRowsInPlace", x, row);
        if (row.rank() != 1 || x.rank() == 0 || row.size(0) != x.size(-1))
            throw new IllegalArgumentException("addRowsInPlace: row " + row + " does not match the rows of " + x);
        elementwise(Op.ADD, x, x, row, 0f, 0f);
    }

    @Override public Tensor exp(Tensor a) { return unary(Op.EXP, on("exp", a), 0f, 0f); }
    @Override public Tensor log(Tensor a) { return unary(Op.LOG, on("log", a), 0f, 0f); }
    @Override public Tensor tanh(Tensor a) { return unary(Op.TANH, on("tanh", a), 0f, 0f); }
    @Override public Tensor sigmoid(Tensor a) { return unary(Op.SIGMOID, on("sigmoid", a), 0f, 0f); }

    // ---- reductions ----

    @Override public Tensor sum(Tensor a, int dim, boolean keepDim) { return reduce("sum", 0, a, dim, keepDim); }

    @Override public Tensor max(Tensor a, int dim, boolean keepDim) { return reduce("max", 1, a, dim, keepDim); }

    private Tensor reduce(String name, int op, Tensor a, int dim, boolean keepDim) {
        on(name, a);
        int d = a.axis(dim);
        int[] shape = a.shape();
        if (a.numelLong() == 0) { // empty inputs: the CPU's answer (and its errors, e.g. max of nothing)
            Tensor h = host.host(a);
            return host.device(op == 0 ? HostFallback.CPU.sum(h, dim, keepDim) : HostFallback.CPU.max(h, dim, keepDim));
        }
        Tensor c = contiguous(a);
        ReducedShape r = ReducedShape.of(shape, d, keepDim);
        long outer = r.outer(), inner = r.inner();
        int[] outShape = r.out();
        Tensor out = empty(outShape);
        try (KernelArgs args = new KernelArgs()) {
            args.i32(op).tensor(c).tensor(out).i64(outer).i64(shape[d]).i64(inner);
            launch("reduce.cu", "reduce_axis", gridFor(outer * inner), args);
        }
        return out;
    }

    @Override public double sumAll(Tensor a) { return sumAll("sumAll", a, false); }

    @Override public double sumOfSquares(Tensor a) { return sumAll("sumOfSquares", a, true); }

    private double sumAll(String name, Tensor a, boolean squares) {
        Tensor c = contiguous(on(name, a));
        long n = c.numelLong();
        if (n == 0) return 0.0;
        int blocks = Math.min(gridFor(n), 1024);
        Tensor partial = empty(2 * blocks); // doubles: two floats' room each
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(c).i64(n).i32(squares ? 1 : 0).tensor(partial);
            launch("reduce.cu", "sum_partials", blocks, args);
        }
        double total = 0;
        for (double p : device.staging().downloadDoubles(ptr(partial), blocks)) total += p;
        return total;
    }

    @Override public Tensor sumToShape(Tensor a, int[] shape) {
        on("sumToShape", a);
        int r = a.rank();
        if (shape.length > r) throw new IllegalArgumentException("sumToShape: " + a + " to " + Arrays.toString(shape));
        int lead = r - shape.length;
        int[] as = a.shape();
        Tensor x = a;
        for (int d = 0; d < r; d++) {
            int want = d < lead ? 1 : shape[d - lead];
            if (want == as[d]) continue;
            if (want != 1)
                throw new IllegalArgumentException("sumToShape: " + a + " does not reduce to " + Arrays.toString(shape));
            x = sum(x, d, true);
        }
        return x == a ? copy(a).reshape(shape) : contiguous(x).reshape(shape);
    }

    // ---- activations ----

    @Override public Tensor gelu(Tensor x) { return unary(Op.GELU, on("gelu", x), 0f, 0f); }
    @Override public Tensor geluBackward(Tensor dy, Tensor x) { return pairwise("geluBackward", Op.GELU_BACKWARD, dy, x); }
    @Override public Tensor geluErf(Tensor x) { return unary(Op.GELU_ERF, on("geluErf", x), 0f, 0f); }
    @Override public Tensor geluErfBackward(Tensor dy, Tensor x) {
        return pairwise("geluErfBackward", Op.GELU_ERF_BACKWARD, dy, x);
    }
    @Override public Tensor silu(Tensor x) { return unary(Op.SILU, on("silu", x), 0f, 0f); }
    @Override public Tensor siluBackward(Tensor dy, Tensor x) { return pairwise("siluBackward", Op.SILU_BACKWARD, dy, x); }

    @Override public Tensor biasGelu(Tensor z, Tensor bias) {
        on("biasGelu", z, bias);
        if (bias == null) return gelu(z);
        checkRow("biasGelu", z, bias);
        Tensor u = add(z, bias);
        elementwise(Op.GELU, u, u, null, 0f, 0f);
        return u;
    }

    @Override public BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias) {
        on("biasGeluBackward", dy, z, bias);
        if (bias == null) return new BiasGeluGrads(geluBackward(dy, z), null);
        checkRow("biasGeluBackward", z, bias);
        Tensor u = add(z, bias);
        Tensor dz = geluBackward(dy, u);
        int c = z.size(-1);
        Tensor dbias = c == 0 ? zeros(0) : sum(dz.reshape(-1, c), 0, false);
        return new BiasGeluGrads(dz, dbias);
    }

    private static void checkRow(String op, Tensor x, Tensor row) {
        if (row.rank() != 1 || x.rank() == 0 || row.size(0) != x.size(-1))
            throw new IllegalArgumentException(op + ": bias " + row + " does not match the last dimension of " + x);
    }

    @Override public Tensor softmax(Tensor x) { return softmax("softmax", x, false); }
    @Override public Tensor logSoftmax(Tensor x) { return softmax("logSoftmax", x, true); }

    private Tensor softmax(String name, Tensor x, boolean log) {
        Tensor c = contiguous(on(name, x));
        Tensor y = empty(x.shape());
        long rows = rows(x);
        if (rows == 0) return y;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(c).tensor(y).i64(rows).i32(x.size(-1)).i32(log ? 1 : 0);
            launch("softmax.cu", "softmax_forward", rowsGrid(rows), args);
        }
        return y;
    }

    @Override public Tensor softmaxBackward(Tensor dy, Tensor y) { return softmaxBackward("softmaxBackward", dy, y, false); }
    @Override public Tensor logSoftmaxBackward(Tensor dy, Tensor y) {
        return softmaxBackward("logSoftmaxBackward", dy, y, true);
    }

    private Tensor softmaxBackward(String name, Tensor dy, Tensor y, boolean log) {
        on(name, dy, y);
        if (!dy.sameShape(y)) throw new IllegalArgumentException(name + ": " + dy + " and " + y + " differ in shape");
        Tensor dyc = contiguous(dy), yc = contiguous(y), dx = empty(y.shape());
        long rows = rows(y);
        if (rows == 0) return dx;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(dyc).tensor(yc).tensor(dx).i64(rows).i32(y.size(-1)).i32(log ? 1 : 0);
            launch("softmax.cu", "softmax_backward", rowsGrid(rows), args);
        }
        return dx;
    }

    /** Rows of the last dimension (0 when it or any other is empty). */
    private static long rows(Tensor x) {
        if (x.rank() == 0) throw new IllegalArgumentException("a row operation needs rank >= 1, got " + x);
        int c = x.size(-1);
        return c == 0 ? 0 : x.numelLong() / c;
    }

    // ---- normalization ----

    @Override public NormResult layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        on("layerNorm", x, weight, bias);
        return normForward(x, weight, bias, eps, true);
    }

    @Override public NormResult rmsNorm(Tensor x, Tensor weight, float eps) {
        on("rmsNorm", x, weight);
        return normForward(x, weight, null, eps, false);
    }

    private NormResult normForward(Tensor x, Tensor weight, Tensor bias, float eps, boolean layer) {
        int c = x.size(-1);
        checkParam(weight, c, "weight");
        if (bias != null) checkParam(bias, c, "bias");
        Tensor xc = contiguous(x), wc = contiguous(weight), bc = contiguous(bias);
        int[] stat = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor y = empty(x.shape()), mean = layer ? empty(stat) : null, rstd = empty(stat);
        long rows = rows(x);
        if (rows > 0) {
            try (KernelArgs args = new KernelArgs()) {
                args.tensor(xc).tensor(wc).tensor(bc).tensor(y).tensor(mean)
                        .tensor(rstd).i64(rows).i32(c).f32(eps);
                launch("norms.cu", "norm_forward", rowsGrid(rows), args);
            }
        }
        return new NormResult(y, mean, rstd);
    }

    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        on("layerNormBackward", dy, x, weight, mean, rstd);
        return normBackward(dy, x, weight, mean, rstd, true);
    }

    @Override public NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) {
        on("rmsNormBackward", dy, x, weight, rstd);
        return normBackward(dy, x, weight, null, rstd, false);
    }

    private NormGrads normBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd, boolean layer) {
        if (!dy.sameShape(x)) throw new IllegalArgumentException("norm backward: " + dy + " and " + x + " differ in shape");
        int c = x.size(-1);
        checkParam(weight, c, "weight");
        long rows = rows(x);
        if (rstd.numelLong() != rows || (mean != null && mean.numelLong() != rows))
            throw new IllegalArgumentException("norm backward: mean and rstd must have one value per row (" + rows + ")");
        Tensor dyc = contiguous(dy), xc = contiguous(x), wc = contiguous(weight), mc = contiguous(mean),
                rc = contiguous(rstd);
        Tensor dx = empty(x.shape()), dw = zeros(c), db = layer ? zeros(c) : null;
        if (rows > 0) {
            try (KernelArgs args = new KernelArgs()) {
                args.tensor(dyc).tensor(xc).tensor(wc).tensor(mc).tensor(rc).tensor(dx)
                        .i64(rows).i32(c);
                launch("norms.cu", "norm_backward_input", rowsGrid(rows), args);
            }
            try (KernelArgs args = new KernelArgs()) {
                args.tensor(dyc).tensor(xc).tensor(mc).tensor(rc).tensor(dw).tensor(db)
                        .i64(rows).i32(c);
                launch("norms.cu", "norm_backward_params", gridFor(c), args);
            }
        }
        return new NormGrads(dx, dw, db);
    }

    private static void checkParam(Tensor p, int c, String what) {
        if (p.rank() != 1 || p.size(0) != c)
            throw new IllegalArgumentException("norm " + what + " must be [" + c + "], got " + Arrays.toString(p.shape()));
    }

    // ---- dropout ----

    @Override public Tensor dropout(Tensor x, float p, long key) {
        on("dropout", x);
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        long n = x.numelLong();
        if (n > Integer.MAX_VALUE) // the CPU mask indexes elements by int; beyond that there is no mask to match
            throw new IllegalArgumentException("dropout of " + x + ": more than 2^31 elements");
        Tensor xc = contiguous(x), out = empty(x.shape());
        if (n == 0) return out;
        // the CPU kernel's threshold: p resolved to a multiple of 2^-24
        int threshold = (int) Math.round((double) p * (1 << 24));
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(xc).tensor(out).i64(n).i32((int) key).i32((int) (key >>> 32)).i32(threshold)
                    .f32(1f / (1f - p));
            launch("dropout.cu", "dropout", gridFor(n), args);
        }
        return out;
    }

    // ---- embeddings and positions ----

    private static void checkIds(int[] ids, int rows) {
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= rows)
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside [0, " + rows + ")");
    }

    @Override public Tensor embedding(Tensor weight, int[] ids) {
        on("embedding", weight);
        if (weight.rank() != 2)
            throw new IllegalArgumentException("embedding table must be [V, C], got " + Arrays.toString(weight.shape()));
        checkIds(ids, weight.size(0));
        int c = weight.size(1);
        Tensor w = contiguous(weight), out = empty(ids.length, c);
        if ((long) ids.length * c == 0) return out;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(w).tensor(deviceInts(ids)).tensor(out).i64(ids.length).i64(c);
            launch("embedding.cu", "embedding_forward", gridFor((long) ids.length * c), args);
        }
        return out;
    }

    @Override public Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize) {
        on("embeddingBackward", dy);
        if (dy.rank() != 2 || dy.size(0) != ids.length)
            throw new IllegalArgumentException("embedding gradient must be [" + ids.length + ", C], got "
                    + Arrays.toString(dy.shape()));
        Tensor dw = zeros(vocabSize, dy.size(1));
        embeddingBackwardInto(dw, dy, ids);
        return dw;
    }

    @Override public void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids) {
        on("embeddingBackwardInto", dweight, dy);
        if (dy.rank() != 2 || dy.size(0) != ids.length)
            throw new IllegalArgumentException("embedding gradient must be [" + ids.length + ", C], got "
                    + Arrays.toString(dy.shape()));
        int c = dy.size(1);
        if (dweight.rank() != 2 || dweight.size(1) != c || !dweight.isContiguous())
            throw new IllegalArgumentException("embedding gradient table must be a contiguous [V, " + c + "], got "
                    + Arrays.toString(dweight.shape()));
        checkIds(ids, dweight.size(0));
        if ((long) ids.length * c == 0) return;
        Tensor dyc = contiguous(dy);
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(dweight).tensor(dyc).tensor(deviceInts(ids)).i64(ids.length).i64(c);
            launch("embedding.cu", "embedding_backward", gridFor(c), args);
        }
    }

    /** Device copies of host rope tables, made once per table tensor (models build one table and reuse it). */
    private final Map<Tensor, Tensor> ropeTables = Collections.synchronizedMap(new WeakHashMap<>());

    private Tensor onDevice(Tensor table) {
        if (table.backend() == this) return contiguous(table);
        return ropeTables.computeIfAbsent(table, this::transfer);
    }

    @Override public Tensor rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        on("rope", x);
        table.checkApplies(x, positions);
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
        Tensor xc = contiguous(x), out = empty(x.shape());
        long rows = (long) b * h * t;
        if (rows * half == 0) return out;
        Tensor cos = onDevice(table.cos()), sin = onDevice(table.sin());
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(xc).tensor(out).tensor(deviceInts(positions)).tensor(cos)
                    .tensor(sin).i64(rows).i32(h).i32(t).i32(half).f32(inverse ? -1f : 1f);
            launch("rope.cu", "rope", gridFor(rows * half), args);
        }
        return out;
    }

    // ---- attention ----

    /** Dynamic shared memory a kernel may take without opting in to more (every architecture since Volta). */
    private static final int SHARED_LIMIT = 48 * 1024;

    /** An attention call's shapes and its mask as device arrays (null pointers where the mask has no such part). */
    private final class AttentionCall {
        final int b, h, hkv, d;
        final long t, s;
        final Tensor offsets, valid, starts; // int arrays in float-sized device blocks, or null
        final AttentionMask mask;

        AttentionCall(Tensor q, Tensor k, Tensor v, AttentionMask mask) {
            Backend.checkAttentionShapes(q, k, v);
            b = q.size(0);
            h = q.size(1);
            t = q.size(2);
            d = q.size(3);
            hkv = k.size(1);
            s = k.size(2);
            mask.check(b, (int) t, (int) s);
            this.mask = mask;
            offsets = mask.queryOffsets() == null ? null : deviceInts(mask.queryOffsets());
            valid = mask.keyValid() == null ? null : deviceInts(flatten(mask.keyValid()));
            starts = mask.sequenceStarts() == null ? null : deviceInts(flatten(mask.sequenceStarts()));
        }

        /** Whether the kernels take this call (every size nonzero, the shared rows within the limit). */
        boolean onDevice() {
            long group = h / hkv;
            return (long) b * h * t * s * d != 0 && 4L * (2 * d + s) <= SHARED_LIMIT
                    && 4L * (2 * d + 2 * group * t) <= SHARED_LIMIT;
        }

        KernelArgs shapeAndMask(KernelArgs a, float scale) {
            return a.i32(b).i32(h).i32(hkv).i64(t).i64(s).i32(d).f32(scale).i32(mask.causal() ? 1 : 0)
                    .i32(mask.slidingWindow()).tensor(offsets).tensor(valid).tensor(starts);
        }
    }

    private static int[] flatten(boolean[][] rows) {
        int n = 0;
        for (boolean[] r : rows) n += r.length;
        int[] out = new int[n];
        int i = 0;
        for (boolean[] r : rows) for (boolean x : r) out[i++] = x ? 1 : 0;
        return out;
    }

    private static int[] flatten(int[][] rows) {
        int n = 0;
        for (int[] r : rows) n += r.length;
        int[] out = new int[n];
        int i = 0;
        for (int[] r : rows) for (int x : r) out[i++] = x;
        return out;
    }

    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        on("attention", q, k, v);
        AttentionCall c = new AttentionCall(q, k, v, mask);
        if (!c.onDevice()) {
            AttentionResult r = HostFallback.CPU.attention(host.host(q), host.host(k), host.host(v), mask, scale);
            return new AttentionResult(host.device(r.out()), host.device(r.lse()));
        }
        Tensor qc = contiguous(q), kc = contiguous(k), vc = contiguous(v);
        Tensor out = empty(q.shape()), lse = empty(c.b, c.h, (int) c.t);
        long rows = (long) c.b * c.h * c.t;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(qc).tensor(kc).tensor(vc).tensor(out).tensor(lse);
            launch("attention.cu", "attention_forward", rowsGrid(rows), (int) (4 * (c.d + c.s)), c.shapeAndMask(args, scale));
        }
        return new AttentionResult(out, lse);
    }

    @Override public AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                      AttentionMask mask, float scale) {
        on("attentionBackward", dout, q, k, v, out, lse);
        AttentionCall c = new AttentionCall(q, k, v, mask);
        if (!dout.sameShape(q) || !out.sameShape(q))
            throw new IllegalArgumentException("attention backward: dout and out must match q " + Arrays.toString(q.shape()));
        if (lse.numelLong() != (long) c.b * c.h * c.t)
            throw new IllegalArgumentException("attention backward: lse must be [B, H, T]");
        if (!c.onDevice()) {
            AttentionGrads g = HostFallback.CPU.attentionBackward(host.host(dout), host.host(q), host.host(k),
                    host.host(v), host.host(out), host.host(lse), mask, scale);
            return new AttentionGrads(host.device(g.dq()), host.device(g.dk()), host.device(g.dv()));
        }
        Tensor qc = contiguous(q), kc = contiguous(k), vc = contiguous(v), oc = contiguous(out), doc = contiguous(dout),
                lc = contiguous(lse);
        Tensor dq = empty(q.shape()), dk = empty(k.shape()), dv = empty(v.shape()), delta = empty(c.b, c.h, (int) c.t);
        long queryRows = (long) c.b * c.h * c.t, keyRows = (long) c.b * c.hkv * c.s;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(qc).tensor(kc).tensor(vc).tensor(oc).tensor(doc).tensor(lc)
                    .tensor(dq).tensor(delta);
            launch("attention.cu", "attention_backward_query", rowsGrid(queryRows), (int) (4 * (2 * c.d + c.s)),
                    c.shapeAndMask(args, scale));
        }
        long group = c.h / c.hkv;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(qc).tensor(kc).tensor(vc).tensor(doc).tensor(lc).tensor(delta)
                    .tensor(dk).tensor(dv);
            launch("attention.cu", "attention_backward_key", rowsGrid(keyRows), (int) (4 * (2 * c.d + 2 * group * c.t)),
                    c.shapeAndMask(args, scale));
        }
        return new AttentionGrads(dq, dk, dv);
    }

    // ---- loss ----


    @Override public CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        on("crossEntropy", logits);
        int v = Backend.checkCrossEntropy(logits, targets, ignoreIndex), n = logits.size(0);
        Tensor x = contiguous(logits), lse = zeros(n), rowLoss = zeros(n);
        if (n > 0 && v > 0) {
            try (KernelArgs args = new KernelArgs()) {
                args.tensor(x).tensor(deviceInts(targets)).tensor(lse).tensor(rowLoss).i64(n)
                        .i32(v).i32(ignoreIndex);
                launch("cross_entropy.cu", "cross_entropy_forward", rowsGrid(n), args);
            }
        }
        float[] losses = toArray(rowLoss);
        int counted = 0;
        double total = 0;
        for (int r = 0; r < n; r++)
            if (targets[r] != ignoreIndex) {
                counted++;
                total += losses[r];
            }
        return new CrossEntropyResult(counted == 0 ? Float.NaN : (float) (total / counted), counted, lse);
    }

    @Override public Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex,
                                                 float gradScale, int counted) {
        on("crossEntropyBackward", logits, lse);
        Tensor out = empty(logits.shape());
        crossEntropyGradient(contiguous(logits), targets, lse, ignoreIndex, gradScale, counted, out);
        return out;
    }

    @Override public void crossEntropyBackwardInPlace(Tensor logits, int[] targets, Tensor lse, int ignoreIndex,
                                                      float gradScale, int counted) {
        on("crossEntropyBackwardInPlace", logits, lse);
        if (!logits.isContiguous()) {
            copyInto(logits, crossEntropyBackward(logits, targets, lse, ignoreIndex, gradScale, counted));
            return;
        }
        crossEntropyGradient(logits, targets, lse, ignoreIndex, gradScale, counted, logits);
    }

    private void crossEntropyGradient(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale,
                                      int counted, Tensor out) {
        int v = Backend.checkCrossEntropy(logits, targets, ignoreIndex), n = logits.size(0);
        if (lse.numelLong() != n) throw new IllegalArgumentException("crossEntropyBackward: lse must be [" + n + "]");
        if ((long) n * v == 0) return;
        Tensor lc = contiguous(lse);
        float k = counted == 0 ? 0f : gradScale / counted;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(logits).tensor(deviceInts(targets)).tensor(lc).tensor(out).i64(n).i32(v)
                    .i32(ignoreIndex).f32(k);
            launch("cross_entropy.cu", "cross_entropy_backward", gridFor((long) n * v), args);
        }
    }

    // ---- quantized and 16-bit weights: stored as given, decoded to fp32 for each product (cuBLAS) ----

    /**
     * A frozen weight on the device in its stored format ({@code dequantize.cu}'s format codes), with the CPU backend's
     * weight over the same host arrays (it validated them, and serves readHost16 byte for byte).
     */
    record CudaWeight(QuantizedWeight cpu, int format, Tensor data, Tensor scale, Tensor code, int block,
                      Backend backend) implements QuantizedWeight {
        @Override public int rows() { return cpu.rows(); }

        @Override public int cols() { return cpu.cols(); }
    }

    /** A device block holding {@code bytes} bytes (in a float tensor of enough elements). */
    private Tensor deviceBytes(MemorySegment bytes) {
        Tensor holder = empty((int) Math.max(1, (bytes.byteSize() + 3) / 4));
        if (bytes.byteSize() > 0) device.staging().upload(bytes, ptr(holder));
        return holder;
    }

    @Override public QuantizedWeight quantized4bit(byte[] packed, float[] absmax, float[] code, int blocksize, int rows,
                                                   int cols) {
        QuantizedWeight cpu = HostFallback.CPU.quantized4bit(packed, absmax, code, blocksize, rows, cols);
        return new CudaWeight(cpu, 0, deviceBytes(MemorySegment.ofArray(packed)), transfer(Tensor.of(absmax,
                absmax.length)), transfer(Tensor.of(code, code.length)), blocksize, this);
    }

    @Override public QuantizedWeight quantizedInt8(byte[] codes, float[] scale, int group, int rows, int cols) {
        QuantizedWeight cpu = HostFallback.CPU.quantizedInt8(codes, scale, group, rows, cols);
        return new CudaWeight(cpu, 1, deviceBytes(MemorySegment.ofArray(codes)), transfer(Tensor.of(scale,
                scale.length)), null, group, this);
    }

    @Override public QuantizedWeight weight16bit(DType dtype, short[] bits, int rows, int cols) {
        QuantizedWeight cpu = HostFallback.CPU.weight16bit(dtype, bits, rows, cols);
        return new CudaWeight(cpu, dtype == DType.BF16 ? 2 : 3, deviceBytes(MemorySegment.ofArray(bits)), null, null, 1,
                this);
    }

    private CudaWeight weight(String op, QuantizedWeight w) {
        if (w instanceof CudaWeight c && c.backend() == this) return c;
        throw new IllegalArgumentException(op + ": the quantized weight lives on " + w.backend().name()
                + " but the operation runs on " + name() + "; make it with this backend");
    }

    /** Rows {@code ids} of the weight (all rows when null) decoded to fp32. */
    private Tensor decode(CudaWeight w, int[] ids) {
        int rows = ids == null ? w.rows() : ids.length, cols = w.cols();
        Tensor out = empty(rows, cols);
        if ((long) rows * cols == 0) return out;
        try (KernelArgs args = new KernelArgs()) {
            args.i32(w.format()).tensor(w.data()).tensor(w.scale()).tensor(w.code()).i64(w.block())
                    .i64(cols).tensor(ids == null ? null : deviceInts(ids)).i64(rows).tensor(out);
            launch("dequantize.cu", "dequantize", gridFor((long) rows * cols), args);
        }
        return out;
    }

    @Override public void readHost16(QuantizedWeight w, HostShorts reader) {
        HostFallback.CPU.readHost16(weight("readHost16", w).cpu(), reader);
    }

    @Override public Tensor quantizedEmbedding(QuantizedWeight w, int[] ids) {
        CudaWeight c = weight("quantizedEmbedding", w);
        checkIds(ids, c.rows());
        return decode(c, ids);
    }

    @Override public Tensor quantizedMatmul(Tensor x, QuantizedWeight w) {
        on("quantizedMatmul", x);
        CudaWeight c = weight("quantizedMatmul", w);
        if (x.rank() == 0 || x.size(-1) != c.cols())
            throw new IllegalArgumentException("quantizedMatmul: input " + x + " does not end in " + c.cols() + " features");
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = c.rows();
        return matmul(x.reshape(-1, c.cols()), decode(c, null), false, true).reshape(outShape);
    }

    @Override public Tensor quantizedMatmulGradInput(Tensor dy, QuantizedWeight w) {
        on("quantizedMatmulGradInput", dy);
        CudaWeight c = weight("quantizedMatmulGradInput", w);
        if (dy.rank() == 0 || dy.size(-1) != c.rows())
            throw new IllegalArgumentException("quantizedMatmulGradInput: gradient " + dy + " does not end in " + c.rows()
                    + " features");
        int[] outShape = dy.shape();
        outShape[outShape.length - 1] = c.cols();
        return matmul(dy.reshape(-1, c.rows()), decode(c, null), false, false).reshape(outShape);
    }

    // ---- optimizer ----

    @Override public void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                       float eps, float weightDecay, int step, float gradScale) {
        on("adamwInPlace", param, grad, m, v);
        OptimizerChecks.sameContiguous("adamw", param, grad, m, v);
        adamw(ptr(param), ptr(grad), ptr(m), ptr(v), param.numelLong(), lr, beta1, beta2, eps, weightDecay, step,
                gradScale);
    }

    private void adamw(long p, long g, long m, long v, long n, float lr, float beta1, float beta2, float eps,
                       float weightDecay, int step, float gradScale) {
        if (step < 1) throw new IllegalArgumentException("adamw step must be >= 1, got " + step);
        if (n == 0) return;
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        try (KernelArgs args = new KernelArgs()) {
            args.pointer(p).pointer(g).pointer(m).pointer(v).i64(n).f32(decay).f32(beta1).f32(beta2).f32(eps)
                    .f32(stepSize).f32(bc2Sqrt).f32(gradScale);
            launch("optimizers.cu", "adamw", gridFor(n), args);
        }
    }

    /** Checks a paged optimizer's range [from, from+n) of a contiguous parameter and its gradient. */
    private static void checkRange(String op, Tensor param, Tensor grad, long from, int n) {
        if (!param.isContiguous() || !grad.isContiguous())
            throw new IllegalArgumentException(op + " needs contiguous parameter and gradient");
        if (from < 0 || n < 0 || from + n > param.numelLong() || grad.numelLong() != param.numelLong())
            throw new IllegalArgumentException(op + ": range [" + from + ", " + (from + n) + ") outside "
                    + param.numelLong() + " elements (gradient " + grad.numelLong() + ")");
    }

    /**
     * The paged AdamW: the range's moments are copied from their host pages to the device, updated there with the
     * parameter range by the AdamW kernel, and copied back (the pages stay the moments' home).
     */
    @Override public void adamwRangeInPlace(Tensor param, Tensor grad, long from, int n, MemorySegment m, long mAt,
                                            MemorySegment v, long vAt, float lr, float beta1, float beta2, float eps,
                                            float weightDecay, int step, float gradScale) {
        on("adamwRangeInPlace", param, grad);
        checkRange("adamw", param, grad, from, n);
        if (n == 0) return;
        long bytes = (long) n * Float.BYTES;
        Tensor md = empty(n), vd = empty(n);
        device.staging().upload(m.asSlice(mAt, bytes), ptr(md));
        device.staging().upload(v.asSlice(vAt, bytes), ptr(vd));
        adamw(ptr(param) + from * Float.BYTES, ptr(grad) + from * Float.BYTES, ptr(md), ptr(vd), n, lr, beta1, beta2,
                eps, weightDecay, step, gradScale);
        device.staging().download(ptr(md), m.asSlice(mAt, bytes));
        device.staging().download(ptr(vd), v.asSlice(vAt, bytes));
        Reference.reachabilityFence(param);
        Reference.reachabilityFence(grad);
    }

    /** Elements [from, from+n) of contiguous {@code t} as a 1-D view. */
    private static Tensor range(Tensor t, long from, int n) {
        return new Tensor(t.storage(), new int[] {n}, new long[] {1}, t.offsetLong() + from);
    }

    /** 8-bit Adam on the host: only the range of the parameter and gradient travels (its state is relative to it). */
    @Override public void adam8bitInPlace(Tensor param, Tensor grad, long from, int n, MemorySegment state, long codes2At,
                                          long absmax1At, long absmax2At, Adam8bit.Maps maps, Adam8bit.Hyper h) {
        on("adam8bitInPlace", param, grad);
        checkRange("adam8bit", param, grad, from, n);
        Tensor pr = range(param, from, n), hp = host.host(pr);
        HostFallback.CPU.adam8bitInPlace(hp, host.host(range(grad, from, n)), 0, n, state, codes2At, absmax1At,
                absmax2At, maps, h);
        host.back(pr, hp);
    }

    @Override public void sgdInPlace(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                                     float weightDecay, boolean nesterov, boolean firstStep, float gradScale) {
        on("sgdInPlace", param, grad, buf);
        OptimizerChecks.sameContiguous("sgd", param, grad, buf);
        if (momentum != 0 && buf == null) throw new IllegalArgumentException("sgd: momentum " + momentum + " needs a buffer");
        long n = param.numelLong();
        if (n == 0) return;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(param).tensor(grad).tensor(buf).i64(n).f32(lr).f32(momentum)
                    .f32(1f - dampening).f32(weightDecay).i32(nesterov ? 1 : 0).i32(firstStep ? 1 : 0).f32(gradScale);
            launch("optimizers.cu", "sgd", gridFor(n), args);
        }
    }

    @Override public void lionInPlace(Tensor param, Tensor grad, Tensor m, float lr, float beta1, float beta2,
                                      float weightDecay, float gradScale) {
        on("lionInPlace", param, grad, m);
        OptimizerChecks.sameContiguous("lion", param, grad, m);
        long n = param.numelLong();
        if (n == 0) return;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(param).tensor(grad).tensor(m).i64(n).f32(lr).f32(beta1).f32(beta2)
                    .f32(1f - lr * weightDecay).f32(gradScale);
            launch("optimizers.cu", "lion", gridFor(n), args);
        }
    }


    @Override public void lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor update, float beta1,
                                     float beta3, float beta2, float eps, float weightDecay, double biasCorrection1,
                                     double biasCorrection2, float gradScale) {
        on("lambUpdate", param, grad, m, v, update);
        OptimizerChecks.sameContiguous("lamb", param, grad, m, v, update);
        long n = param.numelLong();
        if (n == 0) return;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(param).tensor(grad).tensor(m).tensor(v).tensor(update).i64(n)
                    .f32(beta1).f32(beta3).f32(beta2).f32(eps).f32(weightDecay).f32((float) biasCorrection1)
                    .f32((float) Math.sqrt(biasCorrection2)).f32(gradScale);
            launch("optimizers.cu", "lamb", gridFor(n), args);
        }
    }

    @Override public double adafactorFactoredUpdate(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices,
                                                    int rows, int cols, float gradScale) {
        on("adafactorFactoredUpdate", grad, row, col, update);
        OptimizerChecks.adafactorFactored(grad, row, col, update, matrices, rows, cols);
        long n = (long) matrices * rows * cols;
        if (n == 0) return 0.0;
        Tensor rowMean = empty(matrices);
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(row).tensor(rowMean).i32(matrices).i32(rows);
            launch("optimizers.cu", "adafactor_row_mean", gridFor(matrices), args);
        }
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(grad).tensor(row).tensor(col).tensor(rowMean).tensor(update)
                    .i32(matrices).i32(rows).i32(cols).f32(gradScale);
            launch("optimizers.cu", "adafactor_factored", gridFor(n), args);
        }
        return sumOfSquares(update);
    }

    @Override public double adafactorUnfactoredUpdate(Tensor grad, Tensor v, Tensor update, float beta2t, float eps1,
                                                      float gradScale) {
        on("adafactorUnfactoredUpdate", grad, v, update);
        OptimizerChecks.sameContiguous("adafactor", grad, v, update);
        long n = grad.numelLong();
        if (n == 0) return 0.0;
        try (KernelArgs args = new KernelArgs()) {
            args.tensor(grad).tensor(v).tensor(update).i64(n).f32(beta2t).f32(eps1).f32(gradScale);
            launch("optimizers.cu", "adafactor_unfactored", gridFor(n), args);
        }
        return sumOfSquares(update);
    }
}
