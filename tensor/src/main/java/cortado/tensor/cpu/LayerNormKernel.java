package cortado.tensor.cpu;

import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm over the last dimension (Ba, Kiros & Hinton 2016): y = (x - mean) * rstd * w + b. Forward keeps mean and
 * rstd per row; backward (as llm.c's layernorm_backward) is
 * dx = rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)), dnorm = dy * w, norm = (x - mean) * rstd,
 * with dw = sum over rows of dy * norm and db = sum of dy summed per fixed block of rows ({@link #rowBlock}), the blocks'
 * partial sums then added in block order: the same bits on any thread count.
 */
final class LayerNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private LayerNormKernel() {}

    static NormResult forward(Tensor x, Tensor weight, Tensor bias, float eps) {
        int c = x.size(-1);
        checkParam(weight, c, "weight");
        if (bias != null) checkParam(bias, c, "bias");
        Tensor xc = x.contiguous(), wc = weight.contiguous(), bc = bias == null ? null : bias.contiguous();
        int rows = c == 0 ? 0 : x.numel() / c;
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor out = Tensor.zeros(x.shape()), mean = Tensor.zeros(statShape), rstd = Tensor.zeros(statShape);
        float[] a = xc.data(), w = wc.data(), b = bc == null ? null : bc.data();
        int ao = xc.offset(), wo = wc.offset(), bo = bc == null ? 0 : bc.offset();
        float[] y = out.data(), mu = mean.data(), rs = rstd.data();
        Chunks.range(rows, Math.max(1, 4096 / Math.max(1, c)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = ao + r * c, yr = r * c;
                float m = Reductions.rowSum(a, xr, c) / c;
                // Two-pass variance: sum((x - m)^2) is exact enough where E[x^2] - m^2 would cancel.
                FloatVector vm = FloatVector.broadcast(S, m);
                FloatVector acc = FloatVector.zero(S), acc2 = acc;
                int i = 0, bound = S.loopBound(c);
                for (; i + 2 * L <= bound; i += 2 * L) {
                    FloatVector d0 = FloatVector.fromArray(S, a, xr + i).sub(vm);
                    FloatVector d1 = FloatVector.fromArray(S, a, xr + i + L).sub(vm);
                    acc = d0.fma(d0, acc);
                    acc2 = d1.fma(d1, acc2);
                }
                for (; i < bound; i += L) {
                    FloatVector dv = FloatVector.fromArray(S, a, xr + i).sub(vm);
                    acc = dv.fma(dv, acc);
                }
                float var = Lanes.sum(acc.add(acc2));
                for (; i < c; i++) var += (a[xr + i] - m) * (a[xr + i] - m);
                var /= c;
                float s = (float) (1.0 / Math.sqrt(var + eps));
                mu[r] = m;
                rs[r] = s;
                FloatVector vs = FloatVector.broadcast(S, s);
                if (b == null) {
                    for (i = 0; i < bound; i += L)
                        FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vs).mul(FloatVector.fromArray(S, w, wo + i))
                                .intoArray(y, yr + i);
                } else {
                    for (i = 0; i < bound; i += L)
                        FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vs)
                                .fma(FloatVector.fromArray(S, w, wo + i), FloatVector.fromArray(S, b, bo + i))
                                .intoArray(y, yr + i);
                }
                for (; i < c; i++) y[yr + i] = (a[xr + i] - m) * s * w[wo + i] + (b == null ? 0f : b[bo + i]);
            }
        });
        return new NormResult(out, mean, rstd);
    }

    static NormGrads backward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        Activations.check(dy, x);
        int c = x.size(-1);
        checkParam(weight, c, "weight");
        int rows = c == 0 ? 0 : x.numel() / c;
        Tensor gc = dy.contiguous(), xc = x.contiguous(), wc = weight.contiguous();
        Tensor mc = mean.contiguous(), rc = rstd.contiguous();
        if (mc.numel() != rows || rc.numel() != rows)
            throw new IllegalArgumentException("layerNormBackward: mean/rstd must have one value per row (" + rows + ")");
        Tensor dx = Tensor.zeros(x.shape()), dw = Tensor.zeros(c), db = Tensor.zeros(c);
        float[] g = gc.data(), a = xc.data(), w = wc.data(), mu = mc.data(), rs = rc.data(), z = dx.data();
        int go = gc.offset(), ao = xc.offset(), wo = wc.offset(), mo = mc.offset(), ro = rc.offset();
        int block = rowBlock(rows), chunks = Math.max(1, (rows + block - 1) / block);
        float[][] pdw = new float[chunks][c], pdb = new float[chunks][c];
        Parallel.forEach(chunks, k -> {
            int from = k * block, to = Math.min(rows, from + block);
            float[] dwk = pdw[k], dbk = pdb[k];
            int bound = S.loopBound(c);
            for (int r = from; r < to; r++) {
                int gr = go + r * c, xr = ao + r * c, zr = r * c;
                float m = mu[mo + r], s = rs[ro + r];
                FloatVector vm = FloatVector.broadcast(S, m), vs = FloatVector.broadcast(S, s);
                FloatVector accD = FloatVector.zero(S), accDN = FloatVector.zero(S);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector vg = FloatVector.fromArray(S, g, gr + i);
                    FloatVector n = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vs);
                    FloatVector dn = vg.mul(FloatVector.fromArray(S, w, wo + i));
                    accD = accD.add(dn);
                    accDN = dn.fma(n, accDN);
                    vg.fma(n, FloatVector.fromArray(S, dwk, i)).intoArray(dwk, i);
                    vg.add(FloatVector.fromArray(S, dbk, i)).intoArray(dbk, i);
                }
                float sumD = Lanes.sum(accD), sumDN = Lanes.sum(accDN);
                for (; i < c; i++) {
                    float n = (a[xr + i] - m) * s, dn = g[gr + i] * w[wo + i];
                    sumD += dn;
                    sumDN += dn * n;
                    dwk[i] += g[gr + i] * n;
                    dbk[i] += g[gr + i];
                }
                float meanD = sumD / c, meanDN = sumDN / c;
                FloatVector vmd = FloatVector.broadcast(S, meanD), vmdn = FloatVector.broadcast(S, meanDN);
                for (i = 0; i < bound; i += L) {
                    FloatVector n = FloatVector.fromArray(S, a, xr + i).sub(vm).mul(vs);
                    FloatVector dn = FloatVector.fromArray(S, g, gr + i).mul(FloatVector.fromArray(S, w, wo + i));
                    dn.sub(vmd).sub(n.mul(vmdn)).mul(vs).intoArray(z, zr + i);
                }
                for (; i < c; i++) {
                    float n = (a[xr + i] - m) * s, dn = g[gr + i] * w[wo + i];
                    z[zr + i] = (dn - meanD - n * meanDN) * s;
                }
            }
        });
        sumBlocks(pdw, dw.data(), c);
        sumBlocks(pdb, db.data(), c);
        return new NormGrads(dx, dw, db);
    }

    /**
     * Rows per block of the weight-gradient partial sums: fixed by the row count alone (never by the thread count), at
     * least 32 rows, and at most 1024 blocks so the partials stay small.
     */
    static int rowBlock(int rows) { return Math.max(32, (rows + 1023) / 1024); }

    /**
     * out[i] = sum over blocks k, in order k = 0, 1, ..., of partial[k][i] for i < c; columns split over threads
     * ({@code out} may be a longer pooled array).
     */
    static void sumBlocks(float[][] partial, float[] out, int c) {
        Chunks.range(c, Math.max(1, 65536 / Math.max(1, partial.length)), (from, to) -> {
            for (float[] p : partial)
                for (int i = from; i < to; i++) out[i] += p[i];
        });
    }

    static void checkParam(Tensor p, int c, String what) {
        if (p.rank() != 1 || p.size(0) != c)
            throw new IllegalArgumentException("norm " + what + " must be [" + c + "], got " + Arrays.toString(p.shape()));
    }
}
