package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GELU (tanh approximation, Hendrycks & Gimpel 2016; GPT-2's "gelu_new") and SiLU (Elfwing et al. 2017), each with
 * its backward next to it. Backward recomputes from x instead of storing intermediates.
 *
 * <p>The SIMD GELU uses the identity 0.5 (1 + tanh(u)) = sigmoid(2u) = 1 / (1 + exp(-2u)): one exp and one divide are
 * cheaper than a vector tanh, and exp overflowing to infinity for very negative x gives the exact limit 0.
 */
final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float K0 = (float) Math.sqrt(2.0 / Math.PI);
    private static final float K1 = 0.044715f;
    private static final int GRAIN = 1 << 14;

    private Activations() {}

    /** y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    static Tensor gelu(Tensor x) {
        Tensor c = x.contiguous();
        Tensor out = Tensor.empty(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        Chunks.elements(out.numel(), GRAIN, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) gelu(FloatVector.fromArray(S, a, ao + i)).intoArray(y, i);
            for (; i < to; i++) y[i] = gelu(a[ao + i]);
        });
        return out;
    }

    /**
     * dx = dy * (0.5 (1 + t) + 0.5 x (1 - t^2) u'), t = tanh(u), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2); with
     * s = sigmoid(2u) that is s + 2 x s (1 - s) u'.
     */
    static Tensor geluBackward(Tensor dy, Tensor x) {
        check(dy, x);
        Tensor g = dy.contiguous(), c = x.contiguous();
        Tensor out = Tensor.empty(x.shape());
        float[] d = g.data(), a = c.data(), z = out.data();
        int go = g.offset(), ao = c.offset();
        Chunks.elements(out.numel(), GRAIN, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L)
                geluSlope(FloatVector.fromArray(S, a, ao + i)).mul(FloatVector.fromArray(S, d, go + i)).intoArray(z, i);
            for (; i < to; i++) z[i] = d[go + i] * geluSlope(a[ao + i]);
        });
        return out;
    }

    // ---- the GELU formulas, shared with the fused bias + GELU kernel ----

    /** gelu(v) = v * sigmoid(2u), u = sqrt(2/pi) (v + 0.044715 v^3). */
    /** The lanes of {@link #gelu(Tensor)}: exp through {@link VectorExp}, the same bits in every JIT tier. */
    static FloatVector gelu(FloatVector v) {
        FloatVector minus2u = v.mul(v).mul(v).fma(FloatVector.broadcast(S, K1), v).mul(-2f * K0);
        return v.div(VectorExp.exp(minus2u).add(1f));
    }

    /** One element, the lanes' arithmetic step for step (a tail gives the bits a lane would). */
    static float gelu(float v) {
        float minus2u = Math.fma(v * v * v, K1, v) * (-2f * K0);
        return v / (VectorExp.exp(minus2u) + 1f);
    }

    /** d gelu / dv = s + 2 v s (1 - s) u' with s = sigmoid(2u), u' = sqrt(2/pi) (1 + 3 * 0.044715 v^2). */
    static FloatVector geluSlope(FloatVector v) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector v2 = v.mul(v);
        FloatVector minus2u = v2.mul(v).fma(FloatVector.broadcast(S, K1), v).mul(-2f * K0);
        FloatVector sg = one.div(VectorExp.exp(minus2u).add(1f));   // sigmoid(2u)
        FloatVector du = v2.fma(3f * K1, 1f).mul(2f * K0);          // 2 du/dx
        return v.mul(sg).mul(one.sub(sg)).fma(du, sg);
    }

    static float geluSlope(float v) {
        float v2 = v * v;
        float minus2u = Math.fma(v2 * v, K1, v) * (-2f * K0);
        float sg = 1f / (VectorExp.exp(minus2u) + 1f);
        float du = Math.fma(v2, 3f * K1, 1f) * (2f * K0);
        return Math.fma(v * sg * (1f - sg), du, sg);
    }

    /** y = x * sigmoid(x). */
    static Tensor silu(Tensor x) {
        Tensor c = x.contiguous();
        Tensor out = Tensor.empty(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        Chunks.elements(out.numel(), GRAIN, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, ao + i);
                v.mul(Elementwise.sigmoid(v)).intoArray(y, i);
            }
            for (; i < to; i++) y[i] = a[ao + i] * Elementwise.sigmoid(a[ao + i]);
        });
        return out;
    }

    /** dx = dy * s (1 + x (1 - s)), s = sigmoid(x). */
    static Tensor siluBackward(Tensor dy, Tensor x) {
        check(dy, x);
        Tensor g = dy.contiguous(), c = x.contiguous();
        Tensor out = Tensor.empty(x.shape());
        float[] d = g.data(), a = c.data(), z = out.data();
        int go = g.offset(), ao = c.offset();
        Chunks.elements(out.numel(), GRAIN, (from, to) -> {
            int i = from;
            for (; i + L <= to; i += L) {
                FloatVector v = FloatVector.fromArray(S, a, ao + i);
                FloatVector s = Elementwise.sigmoid(v);
                FloatVector local = s.mul(v.mul(s.neg().add(1f)).add(1f));
                local.mul(FloatVector.fromArray(S, d, go + i)).intoArray(z, i);
            }
            for (; i < to; i++) {
                float v = a[ao + i], s = Elementwise.sigmoid(v);
                z[i] = s * (v * (1f - s) + 1f) * d[go + i];
            }
        });
        return out;
    }

    static void check(Tensor dy, Tensor x) {
        if (!dy.sameShape(x))
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(dy.shape()) + " differs from input "
                    + Arrays.toString(x.shape()));
    }
}
