package cortado.autograd;

import static cortado.autograd.Inputs.*;

import org.junit.jupiter.api.Test;

class NormGradTest {
    @Test
    void layerNormWithBias() {
        check("layerNorm", in -> F.layerNorm(in[0], in[1], in[2], 1e-5f), param(1, 2, 3, 6), param(2, 6), param(3, 6));
    }

    @Test
    void layerNormWithoutBias() {
        check("layerNorm no bias", in -> F.layerNorm(in[0], in[1], null, 1e-5f), param(4, 4, 6), param(5, 6));
    }

    @Test
    void layerNormNonContiguous() {
        check("layerNorm non-contiguous", in -> F.layerNorm(in[0], in[1], in[2], 1e-5f),
                leaf(randn(6, 6, 4).transpose(0, 1)), param(7, 6), param(8, 6));
    }

    @Test
    void rmsNorm() {
        check("rmsNorm", in -> F.rmsNorm(in[0], in[1], 1e-6f), param(11, 2, 3, 6), param(12, 6));
        check("rmsNorm non-contiguous", in -> F.rmsNorm(in[0], in[1], 1e-6f),
                leaf(randn(13, 6, 4).transpose(0, 1)), param(14, 6));
    }
}
