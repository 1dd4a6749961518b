package cortado.tensor.cpu;

import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * Exact GELU, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks &amp; Gimpel 2016): BERT's {@code "gelu"}, PyTorch's
 * {@code F.gelu(approximate="none")}. Backward: dx = dy (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
 *
 * <p>Java has no erf, so {@link #erf} and {@link #erfc} compute it in double: the Maclaurin series of e^{z^2} erf(z)
 * (all terms positive, no cancellation) below |z| = 3, the continued fraction of erfc above, both accurate to ~1e-15.
 * Phi(x) is taken as erfc(-x / sqrt 2) / 2, which does not cancel for negative x, so every output is the float32
 * rounding of the exact value (within an ulp). PyTorch's float32 kernel computes 1 + erf in float and differs from
 * that by up to ~5e-7 absolute around x = -3. Scalar: exact GELU runs in encoder MLPs only, on far fewer elements
 * than the GEMMs around it touch.
 */
public final class GeluErfKernel {
    private static final double SQRT1_2 = Math.sqrt(0.5), INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI), INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
    private static final int GRAIN = 1 << 13;

    private GeluErfKernel() {}

    static Tensor forward(Tensor x) {
        Tensor c = x.contiguous();
        Tensor out = Tensor.zeros(x.shape());
        float[] a = c.data(), y = out.data();
        int ao = c.offset();
        Chunks.range(out.numel(), GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                double v = a[ao + i];
                y[i] = (float) (v * 0.5 * erfc(-v * SQRT1_2));
            }
        });
        return out;
    }

    static Tensor backward(Tensor dy, Tensor x) {
        if (!Arrays.equals(dy.shape(), x.shape()))
            throw new IllegalArgumentException("gelu backward: dy " + Arrays.toString(dy.shape()) + " and x "
                    + Arrays.toString(x.shape()) + " differ");
        Tensor g = dy.contiguous(), c = x.contiguous();
        Tensor out = Tensor.zeros(x.shape());
        float[] d = g.data(), a = c.data(), z = out.data();
        int go = g.offset(), ao = c.offset();
        Chunks.range(out.numel(), GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                double v = a[ao + i];
                double local = 0.5 * erfc(-v * SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                z[i] = (float) (d[go + i] * local);
            }
        });
        return out;
    }

    /** The error function in double precision. */
    static double erf(double z) {
        if (Double.isNaN(z)) return z;
        double a = Math.abs(z);
        double r = a < 3 ? erfSeries(a) : 1 - erfcFraction(a);
        return z < 0 ? -r : r;
    }

    /** The complementary error function 1 - erf(z) in double precision, without cancellation where it is small. */
    public static double erfc(double z) {
        if (Double.isNaN(z)) return z;
        double a = Math.abs(z);
        double c = a < 3 ? 1 - erfSeries(a) : erfcFraction(a);
        return z < 0 ? 2 - c : c;
    }

    /** erf(a) = 2/sqrt(pi) e^{-a^2} sum_n 2^n a^{2n+1} / (1 * 3 * ... * (2n+1)), a >= 0 (A&amp;S 7.1.6). */
    private static double erfSeries(double a) {
        double term = a, sum = a, a2 = 2 * a * a;
        for (int n = 1; n < 200 && term > 1e-17 * sum; n++) {
            term *= a2 / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum;
    }

    /**
     * erfc(a) = e^{-a^2}/sqrt(pi) / (a + (1/2) / (a + 1 / (a + (3/2) / (a + 2 / (a + ...))))), a >= 3 (A&amp;S 7.1.14),
     * evaluated bottom-up from 60 levels (converged to double precision for a >= 3).
     */
    private static double erfcFraction(double a) {
        if (a > 27) return 0;   // e^{-729} underflows
        double f = a;
        for (int k = 60; k >= 1; k--) f = a + (k / 2.0) / f;
        return INV_SQRT_PI * Math.exp(-a * a) / f;
    }
}
