package cortado.tensor.cpu;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Every CPU kernel with a reduction or a SIMD body and scalar tail, run once on fixed seeded inputs whose sizes leave
 * ragged tails (row lengths not a multiple of any SIMD width) and enough rows to split over several threads. The
 * determinism tests compare its outputs bit for bit across thread counts and across JIT tiers; {@link #main} prints
 * one checksum per output for a child JVM.
 */
final class KernelSuite {
    private KernelSuite() {}

    /** The outputs of every kernel, by name, in a fixed order. */
    static Map<String, Tensor> run() {
        Backend be = Backends.cpu();
        Random r = new Random(2024);
        Map<String, Tensor> out = new LinkedHashMap<>();
        // norms: 300 rows of 100 (tail of 4 on 16 lanes), 300 rows > one 32-row block
        Tensor x = TestTensors.randn(r, 300, 100), w = TestTensors.randn(r, 100), b = TestTensors.randn(r, 100);
        Tensor dy = TestTensors.randn(r, 300, 100);
        Backend.NormResult ln = be.layerNorm(x, w, b, 1e-5f);
        Backend.NormGrads lg = be.layerNormBackward(dy, x, w, ln.mean(), ln.rstd());
        out.put("layerNorm.out", ln.out());
        out.put("layerNorm.rstd", ln.rstd());
        out.put("layerNormBackward.dx", lg.dx());
        out.put("layerNormBackward.dweight", lg.dweight());
        out.put("layerNormBackward.dbias", lg.dbias());
        Backend.NormResult rn = be.rmsNorm(x, w, 1e-6f);
        Backend.NormGrads rg = be.rmsNormBackward(dy, x, w, rn.rstd());
        out.put("rmsNorm.out", rn.out());
        out.put("rmsNormBackward.dx", rg.dx());
        out.put("rmsNormBackward.dweight", rg.dweight());
        // loss: 40 rows of 3001 classes, every fifth ignored
        Tensor logits = be.scale(TestTensors.randn(r, 40, 3001), 4f);
        int[] targets = new int[40];
        for (int i = 0; i < targets.length; i++) targets[i] = i % 5 == 0 ? -100 : r.nextInt(3001);
        Backend.CrossEntropyResult ce = be.crossEntropy(logits, targets, -100);
        out.put("crossEntropy.loss", Tensor.scalar(ce.loss()));
        out.put("crossEntropy.lse", ce.lse());
        out.put("crossEntropyBackward", be.crossEntropyBackward(logits, targets, ce.lse(), -100, 1f, ce.counted()));
        // softmax family over rows of 77
        Tensor s = TestTensors.randn(r, 90, 77), ds = TestTensors.randn(r, 90, 77);
        Tensor sm = be.softmax(s), lsm = be.logSoftmax(s);
        out.put("softmax", sm);
        out.put("softmaxBackward", be.softmaxBackward(ds, sm));
        out.put("logSoftmax", lsm);
        out.put("logSoftmaxBackward", be.logSoftmaxBackward(ds, lsm));
        // activations and unary maths over 70,001 elements (several chunks, a ragged end)
        Tensor a = be.scale(TestTensors.randn(r, 70001), 3f), da = TestTensors.randn(r, 70001);
        out.put("gelu", be.gelu(a));
        out.put("geluBackward", be.geluBackward(da, a));
        out.put("silu", be.silu(a));
        out.put("siluBackward", be.siluBackward(da, a));
        out.put("exp", be.exp(a));
        out.put("log", be.log(be.addScalar(be.mul(a, a), 1e-3f)));
        out.put("tanh", be.tanh(a));
        out.put("sigmoid", be.sigmoid(a));
        out.put("affine", be.addScalar(be.scale(a, 0.37f), 0.1f));
        Tensor acc = be.copy(a);
        be.axpyInPlace(acc, 0.3f, da);
        out.put("axpyInPlace", acc);
        // reductions
        Tensor red = TestTensors.randn(r, 37, 513, 3);
        out.put("sum.dim1", be.sum(red, 1, false));
        out.put("sum.dim2", be.sum(red, 2, false));
        out.put("max.dim1", be.max(red, 1, false));
        out.put("sumToShape", be.sumToShape(red, new int[] {513, 3}));
        out.put("sumToShape.rows", be.sumToShape(TestTensors.randn(r, 2000, 100), new int[] {100}));
        out.put("sumAll", ofDouble(be.sumAll(a)));
        out.put("sumOfSquares", ofDouble(be.sumOfSquares(a)));
        // embedding backward: repeated ids
        int[] ids = new int[600];
        for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(50);
        out.put("embeddingBackward", be.embeddingBackward(TestTensors.randn(r, 600, 70), ids, 50));
        // matrix products: blocked, k split into blocks, skinny, transposed
        Tensor ma = TestTensors.randn(r, 200, 700), mb = TestTensors.randn(r, 700, 150);
        out.put("matmul", be.matmul(ma, mb, false, false));
        out.put("matmul.tt", be.matmul(mb, ma, true, true));
        out.put("matmul.skinny", be.matmul(TestTensors.randn(r, 2, 700), mb, false, false));
        out.put("matmul.skinnyT", be.matmul(TestTensors.randn(r, 3, 150), mb, false, true));
        // one token of decoding: a matrix-vector product large enough to be split over the threads, both layouts
        Tensor mw = TestTensors.randn(r, 1003, 333), x1 = TestTensors.randn(r, 1, 333);
        out.put("matvec.transposed", be.matmul(x1, mw, false, true));
        out.put("matvec", be.matmul(TestTensors.randn(r, 1, 1003), mw, false, false));
        // attention: causal, grouped-query, four key tiles; 2 x 2 (batch, kv-head) pairs, fewer than some thread counts use
        Tensor q = TestTensors.randn(r, 2, 4, 200, 24), k = TestTensors.randn(r, 2, 2, 200, 24);
        Tensor v = TestTensors.randn(r, 2, 2, 200, 24), dout = TestTensors.randn(r, 2, 4, 200, 24);
        Backend.AttentionResult at = be.attention(q, k, v, true, 0.2f);
        Backend.AttentionGrads ag = be.attentionBackward(dout, q, k, v, at.out(), at.lse(), true, 0.2f);
        out.put("attention.out", at.out());
        out.put("attention.lse", at.lse());
        out.put("attentionBackward.dq", ag.dq());
        out.put("attentionBackward.dk", ag.dk());
        out.put("attentionBackward.dv", ag.dv());
        // rope
        int[] ropePositions = new int[2 * 33];
        for (int i = 0; i < ropePositions.length; i++) ropePositions[i] = 5 + i % 33;
        out.put("rope", be.rope(TestTensors.randn(r, 2, 4, 33, 24), ropePositions,
                cortado.tensor.RopeTable.build(EmbeddingAndRopeTest.invFreq(24, 10000), 38, 1f), false));
        // AdamW over 70,001 parameters
        Tensor p = be.copy(a), m = be.scale(TestTensors.randn(r, 70001), 0.1f), vv = be.mul(m, m);
        be.adamwInPlace(p, da, m, vv, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3);
        out.put("adamw.param", p);
        out.put("adamw.m", m);
        out.put("adamw.v", vv);
        return out;
    }

    /** A double as two floats (its float rounding and the remainder), so a checksum sees all its bits that matter. */
    private static Tensor ofDouble(double d) { return Tensor.of(new float[] {(float) d, (float) (d - (float) d)}, 2); }

    /** A checksum of the exact bits of a tensor. */
    static long checksum(Tensor t) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (float f : t.toArray()) {
            int bits = Float.floatToRawIntBits(f);
            crc.update(bits);
            crc.update(bits >>> 8);
            crc.update(bits >>> 16);
            crc.update(bits >>> 24);
        }
        return crc.getValue();
    }

    /** Prints "name checksum" per output, for a test that runs this suite in a child JVM. */
    public static void main(String[] args) {
        if (args.length > 0) cortado.tensor.Parallel.setThreads(Integer.parseInt(args[0]));
        for (Map.Entry<String, Tensor> e : run().entrySet())
            System.out.println(e.getKey() + " " + checksum(e.getValue()));
    }
}
