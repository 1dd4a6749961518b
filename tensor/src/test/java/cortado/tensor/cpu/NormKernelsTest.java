package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.numericGrad;
import static cortado.tensor.cpu.TestTensors.randn;
import static cortado.tensor.cpu.TestTensors.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Backend;
import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** LayerNorm and RMSNorm: forward vs double formulas; every gradient vs central differences of the double reference. */
class NormKernelsTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(5);
    private static final float EPS = 1e-5f;

    /** Double LayerNorm (rms == false) or RMSNorm of rows of length c; b may be null. */
    static double[] normRef(double[] x, double[] w, double[] b, int c, boolean rms) {
        int rows = x.length / c;
        double[] y = new double[x.length];
        for (int i = 0; i < rows; i++) {
            double m = 0, v = 0;
            if (!rms) {
                for (int j = 0; j < c; j++) m += x[i * c + j];
                m /= c;
            }
            for (int j = 0; j < c; j++) v += (x[i * c + j] - m) * (x[i * c + j] - m);
            double rstd = 1 / Math.sqrt(v / c + EPS);
            for (int j = 0; j < c; j++) y[i * c + j] = (x[i * c + j] - m) * rstd * w[j] + (b == null ? 0 : b[j]);
        }
        return y;
    }

    private static double dotWith(double[] y, double[] g) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * g[i];
        return s;
    }

    private void check(boolean rms, int rows, int c) {
        Tensor x = be.addScalar(randn(r, 2, rows / 2, c), 0.7f), w = randn(r, c), b = rms ? null : randn(r, c);
        double[] xd = toDouble(x), wd = toDouble(w), bd = b == null ? null : toDouble(b);
        NormResult res = rms ? be.rmsNorm(x, w, EPS) : be.layerNorm(x, w, b, EPS);
        assertThat(res.out().shape()).isEqualTo(x.shape());
        assertThat(res.rstd().shape()).isEqualTo(new int[] {2, rows / 2});
        assertClose(res.out(), normRef(xd, wd, bd, c, rms), 1e-5, 1e-6, "norm forward");

        Tensor g = randn(r, 2, rows / 2, c);
        double[] gd = toDouble(g);
        NormGrads grads = rms ? be.rmsNormBackward(g, x, w, res.rstd()) : be.layerNormBackward(g, x, w, res.mean(), res.rstd());
        double h = 1e-5;
        assertClose(grads.dx(), numericGrad(xd, v -> dotWith(normRef(v, wd, bd, c, rms), gd), h), 1e-5, 1e-6, "dx");
        assertClose(grads.dweight(), numericGrad(wd, v -> dotWith(normRef(xd, v, bd, c, rms), gd), h), 1e-5, 1e-6, "dweight");
        if (rms) assertThat(grads.dbias()).isNull();
        else assertClose(grads.dbias(), numericGrad(bd, v -> dotWith(normRef(xd, wd, v, c, rms), gd), h), 1e-5, 1e-6, "dbias");
    }

    @Test
    void layerNorm() {
        check(false, 6, 40);
        check(false, 64, 35);   // several rows per thread, scalar tail
    }

    @Test
    void rmsNorm() {
        check(true, 6, 40);
        check(true, 64, 35);
    }

    @Test
    void layerNormWithoutBiasAndStridedInput() {
        Tensor x = randn(r, 48, 5).transpose(0, 1);   // [5, 48]
        Tensor w = randn(r, 48);
        double[] ref = normRef(toDouble(x), toDouble(w), null, 48, false);
        assertClose(be.layerNorm(x, w, null, EPS).out(), ref, 1e-5, 1e-6, "no bias");
    }
}
