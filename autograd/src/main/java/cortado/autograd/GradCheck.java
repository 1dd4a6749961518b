package cortado.autograd;

import cortado.tensor.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks an op's analytic gradients against central finite differences.
 *
 * <p>The output is reduced to a scalar L = sum(out * W) with fixed random weights W (so every output element, with its
 * own weight, contributes; a plain sum would hide errors that cancel, such as softmax's rows summing to one), and L is
 * accumulated in double. Analytic: one backward pass seeded with dL/dout = W. Numeric: for every element x_j of every
 * input that requires grad, L(x_j + eps) - L(x_j - eps) divided by the step actually representable in float32,
 * (float)(x_j + eps) - (float)(x_j - eps), rather than the nominal 2 eps.
 *
 * <p>Why these defaults: the engine computes in float32, so L carries rounding noise of roughly 1e-7 relative per
 * output element, at most about 1e-6 absolute for the small shapes (tens to hundreds of outputs) the tests use.
 * Central differences divide that noise by 2 eps and add a truncation error of about eps^2/6 |f'''|. With eps = 1e-2
 * the noise term is at most ~5e-5 (hence atol = 2e-4) and the truncation term stays below ~5e-4 relative to the
 * gradient for the inputs the tests draw (e.g. 1/b with b >= 0.5: eps^2/b^2 = 4e-4; hence rtol = 5e-3). A smaller eps
 * would let the float32 noise dominate, a larger one the truncation. A wrong gradient (a missing term, a wrong sign,
 * index or scale) misses |num - ana| <= atol + rtol max(|num|, |ana|) by orders of magnitude.
 */
public final class GradCheck {
    public static final double DEFAULT_EPS = 1e-2;
    public static final double DEFAULT_ATOL = 2e-4;
    public static final double DEFAULT_RTOL = 5e-3;

    private GradCheck() {}

    /**
     * The outcome. maxRelError is |num - ana| / max(|num|, |ana|, 1e-2): relative for entries of meaningful size,
     * absolute-like for near-zero ones. worst describes the entry furthest outside (or closest to) the tolerance.
     */
    public record Result(double maxAbsError, double maxRelError, int checked, boolean passed, String worst) {
        /** Throws an AssertionError describing the worst entry unless the check passed. */
        public Result assertPassed() {
            if (!passed) throw new AssertionError("gradient check failed: " + this);
            return this;
        }

        @Override
        public String toString() {
            return String.format("max abs %.3g, max rel %.3g over %d entries; worst: %s", maxAbsError, maxRelError,
                    checked, worst);
        }
    }

    /** Checks with the default eps and tolerances. {@code fn} maps the inputs to one output tensor. */
    public static Result check(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return check(fn, DEFAULT_EPS, DEFAULT_ATOL, DEFAULT_RTOL, inputs);
    }

    /**
     * Checks the gradient of every input that requires grad. Inputs must not share memory with each other; they may
     * be non-contiguous views (elements are perturbed through the view's strides) on any backend.
     */
    public static Result check(Function<Tensor[], Tensor> fn, double eps, double atol, double rtol, Tensor... inputs) {
        // Fixed random weights for the output, in the output's shape.
        Tensor probe;
        try (NoGrad g = NoGrad.enter()) {
            probe = fn.apply(inputs);
        }
        SplittableRandom rnd = new SplittableRandom(0x5EEDL);
        float[] w = new float[probe.numel()];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble(-1, 1);
        Tensor weights = probe.backend().fromArray(w.clone(), probe.shape());

        // Analytic gradients: one backward pass seeded with dL/dout = W.
        for (Tensor x : inputs) if (x.requiresGrad()) x.setGrad(null);
        Tensor out = fn.apply(inputs);
        if (!out.requiresGrad()) throw new IllegalArgumentException("no input of the checked function requires grad");
        Autograd.backward(out, weights);

        double maxAbs = 0, maxRel = 0, worstRatio = -1;
        String worst = "none";
        boolean passed = true;
        int checked = 0;
        try (NoGrad g = NoGrad.enter()) {
            for (int in = 0; in < inputs.length; in++) {
                Tensor x = inputs[in];
                if (!x.requiresGrad()) continue;
                float[] analytic = x.grad() == null ? new float[x.numel()] : x.grad().toArray();
                int[] shape = x.shape(), idx = new int[shape.length];
                for (int e = 0; e < x.numel(); e++) {
                    float orig = x.get(idx);
                    float xp = (float) (orig + eps), xm = (float) (orig - eps);
                    x.set(xp, idx);
                    double lp = weightedSum(fn.apply(inputs), w);
                    x.set(xm, idx);
                    double lm = weightedSum(fn.apply(inputs), w);
                    x.set(orig, idx);
                    double numeric = (lp - lm) / ((double) xp - (double) xm);
                    double ana = analytic[e];
                    double err = Math.abs(numeric - ana);
                    double mag = Math.max(Math.abs(numeric), Math.abs(ana));
                    double allowed = atol + rtol * mag;
                    maxAbs = Math.max(maxAbs, err);
                    maxRel = Math.max(maxRel, err / Math.max(mag, 1e-2));
                    if (err > allowed || Double.isNaN(err)) passed = false;
                    double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / allowed;
                    if (ratio > worstRatio) {
                        worstRatio = ratio;
                        worst = String.format("input %d element %s: numeric %.6g, analytic %.6g", in,
                                Arrays.toString(idx), numeric, ana);
                    }
                    checked++;
                    for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
                }
            }
        }
        return new Result(maxAbs, maxRel, checked, passed, worst);
    }

    /** sum(out * w) in double. */
    private static double weightedSum(Tensor out, float[] w) {
        float[] o = out.toArray();
        double s = 0;
        for (int i = 0; i < o.length; i++) s += (double) o[i] * w[i];
        return s;
    }
}
