package cortado.autograd;

import static cortado.autograd.Inputs.*;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** FourierFT's sparse inverse DFT: analytic gradient w.r.t. the spectrum values against central differences. */
class SpectrumIfft2GradTest {
    @Test
    void gradientOfTheSpectrum() {
        int[] rows = {0, 3, 1, 4, 2, 4, 0};
        int[] cols = {2, 0, 5, 5, 1, 3, 0};
        check("sparse ifft2 real", in -> F.sparseIfft2Real(in[0], rows, cols, 5, 6), param(1, rows.length));
    }

    @Test
    void gradientThroughScaleAndLinear() {
        int[] rows = {1, 0, 2, 1};
        int[] cols = {0, 3, 2, 1};
        Tensor x = randn(7, 3, 4);
        check("x @ (s * ifft2)^T", in -> F.linear(x, F.scale(F.sparseIfft2Real(in[0], rows, cols, 3, 4), 20f), null),
                param(2, rows.length));
    }
}
