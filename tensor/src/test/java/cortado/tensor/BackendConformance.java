package cortado.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Backend.BiasGeluGrads;
import cortado.tensor.Backend.CrossEntropyResult;
import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The backend conformance suite: every {@link Backend} operation, on shapes, broadcasting, views (stored transposed,
 * strided with an offset), edge sizes (0 where legal, 1, odd sizes, sizes that are not a multiple of the SIMD width,
 * sizes beyond the kernels' tiles and threading thresholds) and every attention mask kind, against reference results
 * computed by PyTorch ({@code tools/golden/make_backend_golden.py}, one case per golden record). A backend's test is a
 * subclass naming the backend ({@code CpuBackendConformanceTest}, {@code OffHeapBackendConformanceTest}, and through
 * this module's test jar the tests module's {@code MirrorBackendConformanceTest}); creation, host transfers and transfers are checked directly (they have no reference
 * library result: the elements must come back unchanged).
 *
 * <p>A NaN in the golden marks an element the contract leaves unspecified (the log-sum-exp of an ignored
 * cross-entropy row) and is skipped. Tolerances, |got - want| <= atol + rtol |want| per element (and for a sampled output, the sum of all elements
 * within atol n + rtol sum|want|), by kind of operation:
 * <ul>
 *   <li>fill, max, embedding gather and scatter-add: atol 1e-6 (the same floats are moved, or at most three of them
 *       added, for a repeated id);</li>
 *   <li>elementwise arithmetic: rtol 1e-6, atol 1e-6 (a fused multiply-add rounds once where PyTorch rounds twice);</li>
 *   <li>transcendental functions (exp, log, tanh, sigmoid, GELU, SiLU, softmax): rtol 1e-5, atol 1e-6 (Cortado's own
 *       e^x is within 2 ulp, GELU's erf and tanh are computed differently from PyTorch's);</li>
 *   <li>reductions, products, norms, attention, cross-entropy, quantized products, fused bias + GELU (its bias
 *       gradient sums 600 rows): rtol 1e-4, atol 1e-4 (float32 accumulation in another order than the float64
 *       reference, over up to 768 terms);</li>
 *   <li>whole-tensor sums (returned in double): atol 1e-3 on sums of up to 90,300 elements in [-1, 1);</li>
 *   <li>AdamW: rtol 1e-5, atol 1e-7 (PyTorch folds the bias corrections into the step size in another order).</li>
 * </ul>
 */
public abstract class BackendConformance {
    /** The backend under test. */
    protected abstract Backend backend();

    // ---- the golden file ----

    record Input(int[] shape, long seed, float scale, float shift, int view) {}

    record Output(long n, int step, double sum, double absSum, float[] values) {}

    record Case(String name, String op, Map<String, double[]> attrs, List<Input> inputs, List<Output> outputs) {
        double a(String k) { return attrs.get(k)[0]; }

        boolean flag(String k) { return attrs.containsKey(k) && attrs.get(k)[0] != 0; }

        int[] ints(String k) {
            double[] d = attrs.get(k);
            int[] r = new int[d.length];
            for (int i = 0; i < d.length; i++) r[i] = (int) d[i];
            return r;
        }

        float[] floats(String k) {
            double[] d = attrs.get(k);
            float[] r = new float[d.length];
            for (int i = 0; i < d.length; i++) r[i] = (float) d[i];
            return r;
        }
    }

    static List<Case> cases() throws IOException {
        try (InputStream in = BackendConformance.class.getResourceAsStream("/golden/backend_conformance.bin")) {
            if (in == null) throw new IOException("golden/backend_conformance.bin is missing from the test resources");
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[22];
            b.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("CORTADO-CONFORMANCE-1\n"))
                throw new IOException("golden/backend_conformance.bin: not a conformance golden file");
            int count = b.getInt();
            List<Case> cases = new ArrayList<>();
            for (int c = 0; c < count; c++) {
                String name = str(b), op = str(b);
                Map<String, double[]> attrs = new LinkedHashMap<>();
                for (int i = 0, n = b.getInt(); i < n; i++) {
                    String k = str(b);
                    double[] v = new double[b.getInt()];
                    for (int j = 0; j < v.length; j++) v[j] = b.getDouble();
                    attrs.put(k, v);
                }
                List<Input> inputs = new ArrayList<>();
                for (int i = 0, n = b.getInt(); i < n; i++) {
                    int[] shape = new int[b.getInt()];
                    for (int j = 0; j < shape.length; j++) shape[j] = b.getInt();
                    inputs.add(new Input(shape, b.getLong(), b.getFloat(), b.getFloat(), b.getInt()));
                }
                List<Output> outputs = new ArrayList<>();
                for (int i = 0, n = b.getInt(); i < n; i++) {
                    long len = b.getLong();
                    int step = b.getInt();
                    double sum = b.getDouble(), abs = b.getDouble();
                    float[] v = new float[b.getInt()];
                    for (int j = 0; j < v.length; j++) v[j] = b.getFloat();
                    outputs.add(new Output(len, step, sum, abs, v));
                }
                cases.add(new Case(name, op, attrs, inputs, outputs));
            }
            return cases;
        }
    }

    private static String str(ByteBuffer b) {
        byte[] s = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The generator's inputs: a 64-bit LCG, the top 24 bits k of each state giving k / 2^23 - 1 (exact in float32). */
    static float[] lcg(long seed, int n, float scale, float shift) {
        long s = seed * 0x9E3779B97F4A7C15L + 1;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            float v = (float) ((s >>> 40) / (double) (1 << 23) - 1.0);
            out[i] = v * scale + shift;
        }
        return out;
    }

    // ---- building inputs on the backend ----

    /** Input {@code i} of case {@code c} on the backend, laid out as the case asks (the logical values are the same). */
    Tensor input(Case c, int i) {
        Input in = c.inputs().get(i);
        Backend be = backend();
        int[] shape = in.shape();
        int n = Math.toIntExact(Tensor.numelOf(shape));
        float[] v = lcg(in.seed(), n, in.scale(), in.shift());
        if (in.view() == 1 && shape.length >= 2) {   // stored transposed: the last two dimensions swapped in memory
            int r = shape[shape.length - 2], k = shape[shape.length - 1], batch = n / Math.max(1, r * k);
            float[] t = new float[n];
            for (int b = 0; b < batch; b++)
                for (int x = 0; x < r; x++)
                    for (int y = 0; y < k; y++) t[b * r * k + y * r + x] = v[b * r * k + x * k + y];
            int[] swapped = shape.clone();
            swapped[shape.length - 2] = k;
            swapped[shape.length - 1] = r;
            Tensor stored = be.fromArray(t, swapped).transpose(-1, -2);
            assertThat(stored.isContiguous() || r == 1 || k == 1).isFalse();
            return stored;
        }
        if (in.view() == 2) {                        // every other element of a larger storage, from offset 3
            Tensor base = be.zeros(2 * n + 3);
            long[] strides = Tensor.contiguousStridesLong(shape);
            for (int d = 0; d < strides.length; d++) strides[d] *= 2;
            Tensor view = new Tensor(base.storage(), shape, strides, 3);
            be.copyFromHost(view, v, 0);
            return view;
        }
        return be.fromArray(v, shape);
    }

    // ---- comparing ----

    record Tolerance(double rtol, double atol) {}

    static final Tolerance EXACT = new Tolerance(0, 1e-6), ARITH = new Tolerance(1e-6, 1e-6),
            TRANSCENDENTAL = new Tolerance(1e-5, 1e-6), ACCUMULATED = new Tolerance(1e-4, 1e-4),
            WHOLE_SUM = new Tolerance(1e-6, 1e-3), ADAMW = new Tolerance(1e-5, 1e-7);

    static Tolerance tolerance(String op) {
        return switch (op) {
            case "fillInPlace", "max", "embedding" -> EXACT;
            case "add", "sub", "mul", "div", "scale", "addScalar", "axpyInPlace", "scaleInPlace", "addRowsInPlace" -> ARITH;
            case "exp", "log", "tanh", "sigmoid", "gelu", "geluBackward", "geluErf", "geluErfBackward", "silu",
                 "siluBackward", "rope" -> TRANSCENDENTAL;
            case "sumAll", "sumOfSquares" -> WHOLE_SUM;
            case "adamw" -> ADAMW;
            default -> ACCUMULATED;
        };
    }

    static void check(Case c, int output, float[] got) {
        Output want = c.outputs().get(output);
        Tolerance tol = tolerance(c.op());
        String what = c.name() + " output " + output;
        assertThat((long) got.length).as(what + " element count").isEqualTo(want.n());
        double sum = 0;
        for (float g : got) sum += g;
        for (int j = 0; j < want.values().length; j++) {
            float w = want.values()[j], g = got[j * want.step()];
            if (Float.isNaN(w)) continue; // unspecified by the contract (an ignored row's log-sum-exp)
            if (Float.isInfinite(w)) {
                assertThat(g).as(what + " element " + j * want.step()).isEqualTo(w);
                continue;
            }
            assertThat((double) Math.abs(g - w)).as(what + " element " + j * want.step() + ": got " + g + ", want " + w)
                    .isLessThanOrEqualTo(tol.atol() + tol.rtol() * Math.abs(w));
        }
        if (want.step() > 1 && !Double.isNaN(want.sum()))
            assertThat(Math.abs(sum - want.sum())).as(what + " sum of all " + want.n() + " elements")
                    .isLessThanOrEqualTo(tol.atol() * want.n() + tol.rtol() * want.absSum());
    }

    void check(Case c, int output, Tensor got) {
        assertThat(got.backend()).as(c.name() + " output " + output + " lives on the backend").isSameAs(backend());
        check(c, output, backend().toArray(got));
    }

    static void check(Case c, int output, double got) {
        Output want = c.outputs().get(output);
        Tolerance tol = tolerance(c.op());
        assertThat(Math.abs(got - want.sum())).as(c.name() + " output " + output + ": got " + got + ", want " + want.sum())
                .isLessThanOrEqualTo(tol.atol() + tol.rtol() * Math.abs(want.sum()));
    }

    // ---- creation, host transfers, transfers, mixing ----

    @Test
    void creationAndHostTransfersKeepEveryElement() {
        Backend be = backend();
        assertThat(be.toArray(be.zeros(3, 5))).hasSize(15).containsOnly(0f);
        assertThat(be.zeros(0, 4).numel()).isZero();
        assertThat(be.item(be.scalar(2.5f))).isEqualTo(2.5f);
        assertThat(be.toArray(be.full(-1.5f, 2, 33))).hasSize(66).containsOnly(-1.5f);
        float[] v = lcg(1, 6 * 37, 1f, 0f);
        Tensor t = be.fromArray(v.clone(), 6, 37);
        assertThat(t.backend()).isSameAs(be);
        assertThat(be.toArray(t)).containsExactly(v);
        float[] lent = new float[v.length];
        be.readHost(t, (a, off, n) -> System.arraycopy(a, off, lent, 0, n));
        assertThat(lent).containsExactly(v);
        // a transposed view reads back in its own row-major order, through readHost, copy and copyInto
        Tensor tt = t.transpose(0, 1);
        float[] want = new float[v.length];
        for (int i = 0; i < 37; i++) for (int j = 0; j < 6; j++) want[i * 6 + j] = v[j * 37 + i];
        assertThat(be.toArray(tt)).containsExactly(want);
        assertThat(be.toArray(be.copy(tt))).containsExactly(want);
        Tensor dst = be.zeros(37, 6);
        be.copyInto(dst, tt);
        assertThat(be.toArray(dst)).containsExactly(want);
        // writeHost and copyFromHost into a strided slice leave the elements around it alone
        Tensor base = be.zeros(4, 10);
        Tensor cols = base.slice(1, 2, 5);
        be.writeHost(cols, (a, off, n) -> { for (int i = 0; i < n; i++) a[off + i] = i + 1; });
        float[] got = be.toArray(base);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 10; c++)
                assertThat(got[r * 10 + c]).isEqualTo(c >= 2 && c < 5 ? r * 3 + (c - 2) + 1 : 0f);
        be.copyFromHost(base.select(3), lcg(2, 10, 1f, 0f), 0);
        assertThat(be.toArray(base.select(3))).containsExactly(lcg(2, 10, 1f, 0f));
        // transfers both ways, from a view, keep the elements and drop autograd history
        Backend other = other();
        Tensor there = tt.requiresGrad(true).to(other);
        assertThat(there.backend()).isSameAs(other);
        assertThat(there.requiresGrad()).isFalse();
        assertThat(other.toArray(there)).containsExactly(want);
        Tensor back = there.to(be);
        assertThat(back.backend()).isSameAs(be);
        assertThat(be.toArray(back)).containsExactly(want);
        assertThat(back.to(be)).isSameAs(back);
    }

    @Test
    void mixingBackendsInOneOpNamesBoth() {
        Backend be = backend(), other = other();
        Tensor mine = be.zeros(2, 3), theirs = other.zeros(2, 3);
        for (Runnable op : new Runnable[] {() -> be.add(mine, theirs), () -> be.add(theirs, mine),
                () -> be.matmul(mine, theirs.transpose(0, 1), false, false), () -> be.axpyInPlace(mine, 1f, theirs),
                () -> be.copyInto(mine, theirs), () -> be.exp(theirs), () -> be.softmax(theirs),
                () -> be.layerNorm(mine, be.full(1f, 3), theirs.select(0), 1e-5f),
                () -> be.attention(theirs.reshape(1, 1, 2, 3), mine.reshape(1, 1, 2, 3), mine.reshape(1, 1, 2, 3),
                        true, 1f)})
            assertThatThrownBy(op::run).hasMessageContaining("lives on " + other.name())
                    .hasMessageContaining("runs on " + be.name());
    }

    /** A backend other than the one under test, to mix with. */
    private Backend other() { return backend() == Backends.cpu() ? Backends.offHeap() : Backends.cpu(); }

    // ---- running a case ----

    @TestFactory
    Stream<DynamicTest> everyOperationMatchesPyTorch() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    void run(Case c) {
        Backend be = backend();
        switch (c.op()) {
            case "exp" -> check(c, 0, be.exp(input(c, 0)));
            case "log" -> check(c, 0, be.log(input(c, 0)));
            case "tanh" -> check(c, 0, be.tanh(input(c, 0)));
            case "sigmoid" -> check(c, 0, be.sigmoid(input(c, 0)));
            case "add" -> check(c, 0, be.add(input(c, 0), input(c, 1)));
            case "sub" -> check(c, 0, be.sub(input(c, 0), input(c, 1)));
            case "mul" -> check(c, 0, be.mul(input(c, 0), input(c, 1)));
            case "div" -> check(c, 0, be.div(input(c, 0), input(c, 1)));
            case "scale" -> check(c, 0, be.scale(input(c, 0), (float) c.a("s")));
            case "addScalar" -> check(c, 0, be.addScalar(input(c, 0), (float) c.a("s")));
            case "axpyInPlace" -> {
                Tensor d = input(c, 0);
                be.axpyInPlace(d, (float) c.a("alpha"), input(c, 1));
                check(c, 0, d);
            }
            case "scaleInPlace" -> {
                Tensor x = input(c, 0);
                be.scaleInPlace(x, (float) c.a("s"));
                check(c, 0, x);
            }
            case "fillInPlace" -> {
                Tensor x = input(c, 0);
                be.fillInPlace(x, (float) c.a("value"));
                check(c, 0, x);
            }
            case "addRowsInPlace" -> {
                Tensor x = input(c, 0);
                be.addRowsInPlace(x, input(c, 1));
                check(c, 0, x);
            }
            case "sum" -> check(c, 0, be.sum(input(c, 0), (int) c.a("dim"), c.flag("keep")));
            case "max" -> check(c, 0, be.max(input(c, 0), (int) c.a("dim"), c.flag("keep")));
            case "sumAll" -> check(c, 0, be.sumAll(input(c, 0)));
            case "sumOfSquares" -> check(c, 0, be.sumOfSquares(input(c, 0)));
            case "sumToShape" -> check(c, 0, be.sumToShape(input(c, 0), c.ints("shape")));
            case "gelu" -> check(c, 0, be.gelu(input(c, 0)));
            case "geluBackward" -> check(c, 0, be.geluBackward(input(c, 0), input(c, 1)));
            case "geluErf" -> check(c, 0, be.geluErf(input(c, 0)));
            case "geluErfBackward" -> check(c, 0, be.geluErfBackward(input(c, 0), input(c, 1)));
            case "silu" -> check(c, 0, be.silu(input(c, 0)));
            case "siluBackward" -> check(c, 0, be.siluBackward(input(c, 0), input(c, 1)));
            case "softmax" -> check(c, 0, be.softmax(input(c, 0)));
            case "logSoftmax" -> check(c, 0, be.logSoftmax(input(c, 0)));
            case "softmaxBackward", "logSoftmaxBackward" -> {
                boolean log = c.op().startsWith("log");
                Tensor dy = input(c, 0), x = input(c, 1);
                Tensor y = log ? be.logSoftmax(x) : be.softmax(x);
                check(c, 0, y);
                check(c, 1, log ? be.logSoftmaxBackward(dy, y) : be.softmaxBackward(dy, y));
            }
            case "biasGelu" -> {
                boolean bias = c.flag("bias");
                Tensor z = input(c, 0), b = bias ? input(c, 1) : null, dy = input(c, bias ? 2 : 1);
                check(c, 0, be.biasGelu(z, b));
                BiasGeluGrads g = be.biasGeluBackward(dy, z, b);
                check(c, 1, g.dz());
                if (bias) check(c, 2, g.dbias());
                else assertThat(g.dbias()).isNull();
            }
            case "layerNorm" -> {
                boolean bias = c.flag("bias");
                Tensor x = input(c, 0), w = input(c, 1), b = bias ? input(c, 2) : null, dy = input(c, bias ? 3 : 2);
                NormResult r = be.layerNorm(x, w, b, (float) c.a("eps"));
                check(c, 0, r.out());
                check(c, 1, r.mean());
                check(c, 2, r.rstd());
                NormGrads g = be.layerNormBackward(dy, x, w, r.mean(), r.rstd());
                check(c, 3, g.dx());
                check(c, 4, g.dweight());
                if (bias) check(c, 5, g.dbias());
            }
            case "rmsNorm" -> {
                Tensor x = input(c, 0), w = input(c, 1), dy = input(c, 2);
                NormResult r = be.rmsNorm(x, w, (float) c.a("eps"));
                check(c, 0, r.out());
                check(c, 1, r.rstd());
                NormGrads g = be.rmsNormBackward(dy, x, w, r.rstd());
                check(c, 2, g.dx());
                check(c, 3, g.dweight());
            }
            case "embedding" -> {
                int[] ids = c.ints("ids");
                Tensor w = input(c, 0), dy = input(c, 1), base = input(c, 2);
                check(c, 0, be.embedding(w, ids));
                check(c, 1, be.embeddingBackward(dy, ids, w.size(0)));
                Tensor into = be.copy(base);
                be.embeddingBackwardInto(into, dy, ids);
                check(c, 2, into);
            }
            case "rope" -> {
                int p = (int) c.a("P");
                float[] cos = c.floats("cos");
                RopeTable table = new RopeTable(be.fromArray(cos, p, cos.length / p),
                        be.fromArray(c.floats("sin"), p, cos.length / p));
                check(c, 0, be.rope(input(c, 0), c.ints("positions"), table, c.flag("inverse")));
            }
            case "attention" -> {
                int b = (int) c.a("B"), s = (int) c.a("S");
                AttentionMask mask = new AttentionMask(c.flag("causal"), c.attrs().containsKey("window")
                        ? (int) c.a("window") : 0, c.attrs().containsKey("queryOffsets") ? c.ints("queryOffsets") : null,
                        null);
                if (c.attrs().containsKey("keyValid")) {
                    int[] kv = c.ints("keyValid");
                    boolean[][] valid = new boolean[b][s];
                    for (int i = 0; i < b; i++) for (int j = 0; j < s; j++) valid[i][j] = kv[i * s + j] != 0;
                    mask = mask.withKeyPadding(valid);
                }
                float scale = (float) c.a("scale");
                Tensor q = input(c, 0), k = input(c, 1), v = input(c, 2), dout = input(c, 3);
                AttentionResult r = be.attention(q, k, v, mask, scale);
                check(c, 0, r.out());
                check(c, 1, r.lse());
                AttentionGrads g = be.attentionBackward(dout, q, k, v, r.out(), r.lse(), mask, scale);
                check(c, 2, g.dq());
                check(c, 3, g.dk());
                check(c, 4, g.dv());
            }
            case "crossEntropy" -> {
                int[] targets = c.ints("targets");
                int ignore = (int) c.a("ignore");
                Tensor logits = input(c, 0);
                CrossEntropyResult r = be.crossEntropy(logits, targets, ignore);
                check(c, 0, r.counted() == 0 ? 0.0 : r.loss());
                assertThat((double) r.counted()).as(c.name() + " counted").isEqualTo(c.outputs().get(1).sum());
                check(c, 2, r.lse());
                check(c, 3, be.crossEntropyBackward(logits, targets, r.lse(), ignore, (float) c.a("gradScale"),
                        r.counted()));
            }
            case "quantized4bit", "quantizedInt8" -> {
                int rows = (int) c.a("rows"), cols = (int) c.a("cols");
                QuantizedWeight w;
                if (c.op().equals("quantized4bit")) {
                    w = be.quantized4bit(bytes(c.ints("packed")), c.floats("absmax"), c.floats("code"),
                            (int) c.a("blocksize"), rows, cols);
                } else {
                    w = be.quantizedInt8(bytes(c.ints("codes")), c.floats("qscale"), (int) c.a("group"), rows, cols);
                }
                assertThat(w.backend()).isSameAs(be);
                check(c, 0, be.quantizedMatmul(input(c, 0), w));
                check(c, 1, be.quantizedMatmulGradInput(input(c, 1), w));
            }
            case "matmul" -> check(c, 0, be.matmul(input(c, 0), input(c, 1), c.flag("transA"), c.flag("transB")));
            case "matmulInto" -> {
                Tensor out = input(c, 0);
                be.matmulInto(out, input(c, 1), input(c, 2), true, false, c.flag("accumulate"));
                check(c, 0, out);
            }
            case "adamw" -> {
                Tensor g = input(c, 0);
                int[] shape = g.shape();
                Tensor p = be.fromArray(c.floats("param"), shape), m = be.fromArray(c.floats("m"), shape),
                        v = be.fromArray(c.floats("v"), shape);
                be.adamwInPlace(p, g, m, v, (float) c.a("lr"), (float) c.a("beta1"), (float) c.a("beta2"),
                        (float) c.a("eps"), (float) c.a("wd"), (int) c.a("step"), (float) c.a("gradScale"));
                check(c, 0, p);
                check(c, 1, m);
                check(c, 2, v);
            }
            default -> throw new IllegalStateException("no driver for golden op " + c.op() + " (" + c.name() + ")");
        }
    }

    private static byte[] bytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }
}
