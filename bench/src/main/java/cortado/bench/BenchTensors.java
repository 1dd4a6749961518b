package cortado.bench;

import cortado.tensor.Tensor;
import java.util.Random;

/** Seeded random inputs for the benchmarks. */
final class BenchTensors {
    private BenchTensors() {}

    static Tensor randn(Random r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return t;
    }
}
