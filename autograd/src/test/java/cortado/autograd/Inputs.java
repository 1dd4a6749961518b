package cortado.autograd;

import cortado.tensor.Tensor;

import java.util.SplittableRandom;
import java.util.function.Function;

/** Seeded random inputs for the gradient-check tests, and the check-and-report call they share. */
final class Inputs {
    private Inputs() {}

    /** Standard normal values, not requiring grad. */
    static Tensor randn(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) gaussian(r);
        return t;
    }

    /** Uniform values in [lo, hi), not requiring grad. */
    static Tensor uniform(long seed, float lo, float hi, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextDouble(lo, hi);
        return t;
    }

    /** A leaf parameter: standard normal, requires grad. */
    static Tensor param(long seed, int... shape) { return randn(seed, shape).requiresGrad(true); }

    /** A leaf parameter with normal(0, std) values, as a layer initialises its weights. */
    static Tensor param(long seed, float std, int... shape) {
        Tensor t = randn(seed, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] *= std;
        return t.requiresGrad(true);
    }

    /** Marks a tensor (often a non-contiguous view) as a leaf that requires grad. */
    static Tensor leaf(Tensor t) { return t.requiresGrad(true); }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** Runs the gradient check with the default tolerances, prints the errors (for the report) and asserts success. */
    static GradCheck.Result check(String name, Function<Tensor[], Tensor> fn, Tensor... inputs) {
        GradCheck.Result r = GradCheck.check(fn, inputs);
        System.out.println("gradcheck " + name + ": " + r);
        return r.assertPassed();
    }
}
