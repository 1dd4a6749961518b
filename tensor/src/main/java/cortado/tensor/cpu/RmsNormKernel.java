package cortado.tensor.cpu;

import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm over the last dimension (Zhang & Sennrich 2019; Llama): y = x * rstd * w, rstd = 1/sqrt(mean(x^2) + eps).
 * Backward: dx = rstd * (dnorm - norm * mean(dnorm * norm)), dnorm = dy * w, norm = x * rstd; dw = sum dy * norm.
 */
final class RmsNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RmsNormKernel() {}

    static NormResult forward(Tensor x, Tensor weight, float eps) {
        int c = x.size(-1);
        LayerNormKernel.checkParam(weight, c, "weight");
        Tensor xc = x.contiguous(), wc = weight.contiguous();
        int rows = c == 0 ? 0 : x.numel() / c;
        Tensor out = Tensor.zeros(x.shape()), rstd = Tensor.zeros(Arrays.copyOf(x.shape(), x.rank() - 1));
        float[] a = xc.data(), w = wc.data(), y = out.data(), rs = rstd.data();
        int ao = xc.offset(), wo = wc.offset();
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, c)), (from, to) -> {
            int bound = S.loopBound(c);
            for (int r = from; r < to; r++) {
                int xr = ao + r * c, yr = r * c;
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector v = FloatVector.fromArray(S, a, xr + i);
                    acc = v.fma(v, acc);
                }
                float ss = Lanes.sum(acc);
                for (; i < c; i++) ss += a[xr + i] * a[xr + i];
                float s = (float) (1.0 / Math.sqrt(ss / c + eps));
                rs[r] = s;
                for (i = 0; i < bound; i += L)
                    FloatVector.fromArray(S, a, xr + i).mul(s).mul(FloatVector.fromArray(S, w, wo + i)).intoArray(y, yr + i);
                for (; i < c; i++) y[yr + i] = a[xr + i] * s * w[wo + i];
            }
        });
        return new NormResult(out, null, rstd);
    }

    static NormGrads backward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) {
        Activations.check(dy, x);
        int c = x.size(-1);
        LayerNormKernel.checkParam(weight, c, "weight");
        int rows = c == 0 ? 0 : x.numel() / c;
        Tensor gc = dy.contiguous(), xc = x.contiguous(), wc = weight.contiguous(), rc = rstd.contiguous();
        if (rc.numel() != rows)
            throw new IllegalArgumentException("rmsNormBackward: rstd must have one value per row (" + rows + ")");
        Tensor dx = Tensor.zeros(x.shape()), dw = Tensor.zeros(c);
        float[] g = gc.data(), a = xc.data(), w = wc.data(), rs = rc.data(), z = dx.data();
        int go = gc.offset(), ao = xc.offset(), wo = wc.offset(), ro = rc.offset();
        // dw in fixed blocks of rows, added in block order (as LayerNorm's): the same bits on any thread count
        int block = LayerNormKernel.rowBlock(rows), chunks = Math.max(1, (rows + block - 1) / block);
        float[][] pdw = new float[chunks][c];
        Parallel.forEach(chunks, k -> {
            int from = k * block, to = Math.min(rows, from + block);
            float[] dwk = pdw[k];
            int bound = S.loopBound(c);
            for (int r = from; r < to; r++) {
                int gr = go + r * c, xr = ao + r * c, zr = r * c;
                float s = rs[ro + r];
                FloatVector accDN = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector vg = FloatVector.fromArray(S, g, gr + i);
                    FloatVector n = FloatVector.fromArray(S, a, xr + i).mul(s);
                    accDN = vg.mul(FloatVector.fromArray(S, w, wo + i)).fma(n, accDN);
                    vg.fma(n, FloatVector.fromArray(S, dwk, i)).intoArray(dwk, i);
                }
                float sumDN = Lanes.sum(accDN);
                for (; i < c; i++) {
                    float n = a[xr + i] * s;
                    sumDN += g[gr + i] * w[wo + i] * n;
                    dwk[i] += g[gr + i] * n;
                }
                float meanDN = sumDN / c;
                for (i = 0; i < bound; i += L) {
                    FloatVector n = FloatVector.fromArray(S, a, xr + i).mul(s);
                    FloatVector dn = FloatVector.fromArray(S, g, gr + i).mul(FloatVector.fromArray(S, w, wo + i));
                    dn.sub(n.mul(meanDN)).mul(s).intoArray(z, zr + i);
                }
                for (; i < c; i++) {
                    float n = a[xr + i] * s;
                    z[zr + i] = (g[gr + i] * w[wo + i] - n * meanDN) * s;
                }
            }
        });
        LayerNormKernel.sumBlocks(pdw, dw.data(), c);
        return new NormGrads(dx, dw, null);
    }
}
