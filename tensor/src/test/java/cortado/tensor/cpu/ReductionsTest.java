package cortado.tensor.cpu;

import static cortado.tensor.cpu.TestTensors.assertClose;
import static cortado.tensor.cpu.TestTensors.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReductionsTest {
    private final Backend be = Backends.cpu();
    private final Random r = new Random(2);

    @Test
    void sumAndMaxAlongEveryDimension() {
        Tensor x = randn(r, 3, 17, 21).permute(1, 0, 2);   // [17,3,21], non-contiguous
        int[] shape = x.shape();
        for (int dim = 0; dim < 3; dim++) {
            for (boolean keep : new boolean[] {false, true}) {
                Tensor s = be.sum(x, dim, keep), m = be.max(x, dim, keep);
                int[] expShape = keep ? shape.clone() : new int[2];
                if (keep) expShape[dim] = 1;
                else for (int i = 0, j = 0; i < 3; i++) if (i != dim) expShape[j++] = shape[i];
                assertThat(s.shape()).isEqualTo(expShape);
                assertThat(m.shape()).isEqualTo(expShape);
                double[] es = new double[s.numel()], em = new double[s.numel()];
                java.util.Arrays.fill(em, Double.NEGATIVE_INFINITY);
                for (int a = 0; a < shape[0]; a++)
                    for (int b = 0; b < shape[1]; b++)
                        for (int c = 0; c < shape[2]; c++) {
                            int[] o = {a, b, c};
                            int p = 0;
                            for (int i = 0; i < 3; i++) if (i != dim) p = p * shape[i] + o[i];
                            es[p] += x.get(a, b, c);
                            em[p] = Math.max(em[p], x.get(a, b, c));
                        }
                assertClose(s, es, 1e-6, 1e-6, "sum dim " + dim);
                assertClose(m, em, 0, 0, "max dim " + dim);
            }
        }
    }

    @Test
    void wholeTensorSumsInDouble() {
        Tensor x = randn(r, 1001, 37).transpose(0, 1);
        double s = 0, q = 0;
        for (float v : be.copy(x).toArray()) { s += v; q += (double) v * v; }
        assertThat(be.sumAll(x)).isCloseTo(s, within(1e-4));
        assertThat(be.sumOfSquares(x)).isCloseTo(q, within(1e-6 * q));
    }

    @Test
    void sumToShapeUndoesBroadcasting() {
        Tensor g = randn(r, 4, 5, 6);
        int[][] targets = {{6}, {5, 1}, {1, 5, 6}, {4, 1, 6}, {4, 5, 1}, {}, {1}, {4, 5, 6}};
        for (int[] t : targets) {
            Tensor s = be.sumToShape(g, t);
            assertThat(s.shape()).isEqualTo(t);
            double[] e = new double[s.numel()];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 5; b++)
                    for (int c = 0; c < 6; c++) {
                        int[] full = {a, b, c};
                        int p = 0;
                        int lead = 3 - t.length;
                        for (int i = 0; i < t.length; i++) p = p * t[i] + (t[i] == 1 ? 0 : full[lead + i]);
                        e[p] += g.get(a, b, c);
                    }
            assertClose(s, e, 1e-6, 1e-6, "sumToShape " + java.util.Arrays.toString(t));
        }
        // The bias-gradient case at a size that splits over threads, from a transposed view.
        Tensor big = randn(r, 768, 300).transpose(0, 1);   // [300, 768]
        Tensor bias = be.sumToShape(big, new int[] {768});
        double[] e = new double[768];
        for (int i = 0; i < 300; i++) for (int c = 0; c < 768; c++) e[c] += big.get(i, c);
        assertClose(bias, e, 1e-5, 1e-5, "bias grad");
    }
}
