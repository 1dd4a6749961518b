package cortado.tensor.cpu;

import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused scaled-dot-product attention, tiled as FlashAttention-2 (Dao 2023) so nothing of size T x S is ever stored.
 *
 * <p>Forward: for a block of queries, walk key/value tiles of {@link #BK} rows, keep per query the running max m,
 * running denominator l and an unnormalised output accumulator; each tile rescales them by exp(m_old - m_new) (the
 * online softmax of Milakov & Gimelshein 2018). Output = acc / l, and lse = m + log l is kept for backward.
 *
 * <p>Backward recomputes P = exp(scale * q.k - lse) tile by tile. With Delta_i = dO_i . O_i:
 * dV_j += P_ij dO_i, dS_ij = P_ij (dO_i . V_j - Delta_i), dQ_i += scale dS_ij K_j, dK_j += scale dS_ij Q_i.
 * One task owns a (batch, kv-head) pair and all the query heads that share it (grouped-query attention), so dK, dV
 * and dQ each have a single writer.
 *
 * <p>Scores for one query against a tile are computed against the tile transposed to [D, BK], so the SIMD lanes run
 * over keys and no horizontal reduction is needed. Causal masking follows the KV-cache convention: query t sits at
 * position S - T + t and sees keys 0 .. S - T + t.
 */
final class AttentionKernel {
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    /** Keys per tile: a multiple of every SIMD width, and K and V tiles of D <= 128 stay within L1/L2. */
    static final int BK = 64;
    /** Queries per forward task. */
    static final int BQ = 32;

    private AttentionKernel() {}

    /** A [B, heads, rows, D] tensor read in place: element (b, h, r, d) at off + b*sb + h*sh + r*sr + d. */
    private record Rows(float[] a, int off, int sb, int sh, int sr) {
        static Rows of(Tensor t) {
            if (t.stride(3) != 1 && t.size(3) != 1) t = t.contiguous();
            return new Rows(t.data(), t.offset(), t.stride(0), t.stride(1), t.stride(2));
        }

        int base(int b, int h) { return off + b * sb + h * sh; }
    }

    private static void checkShapes(Tensor q, Tensor k, Tensor v, boolean causal) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException("attention needs q [B,H,T,D] and k, v [B,Hkv,S,D]; got "
                    + Arrays.toString(q.shape()) + ", " + Arrays.toString(k.shape()) + ", " + Arrays.toString(v.shape()));
        if (!k.sameShape(v)) throw new IllegalArgumentException("attention k " + Arrays.toString(k.shape())
                + " and v " + Arrays.toString(v.shape()) + " differ");
        if (q.size(0) != k.size(0) || q.size(3) != k.size(3))
            throw new IllegalArgumentException("attention q " + Arrays.toString(q.shape()) + " and k "
                    + Arrays.toString(k.shape()) + " differ in batch or head size");
        if (k.size(1) == 0 || q.size(1) % k.size(1) != 0)
            throw new IllegalArgumentException("attention query heads " + q.size(1) + " are not a multiple of kv heads "
                    + k.size(1));
        if (causal && k.size(2) < q.size(2))
            throw new IllegalArgumentException("causal attention with fewer keys (" + k.size(2) + ") than queries ("
                    + q.size(2) + ")");
    }

    // ---- forward ----

    static AttentionResult forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale) {
        checkShapes(q, k, v, causal);
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2);
        int group = h / hkv;
        Rows rq = Rows.of(q), rk = Rows.of(k), rv = Rows.of(v);
        Tensor out = Tensor.zeros(b, h, t, d), lse = Tensor.zeros(b, h, t);
        float[] o = out.data(), ls = lse.data();
        int qBlocks = (t + BQ - 1) / BQ;
        int items = b * h * qBlocks;
        Chunks.range(items, 1, (from, to) -> {
            float[] kt = new float[d * BK];
            float[] sc = new float[BK];
            float[] acc = new float[BQ * d];
            float[] m = new float[BQ], l = new float[BQ];
            for (int it = from; it < to; it++) {
                int bi = it / (h * qBlocks), hi = (it / qBlocks) % h, qb = it % qBlocks;
                int hk = hi / group;
                int i0 = qb * BQ, i1 = Math.min(t, i0 + BQ), nq = i1 - i0;
                int qBase = rq.base(bi, hi), kBase = rk.base(bi, hk), vBase = rv.base(bi, hk);
                Arrays.fill(acc, 0, nq * d, 0f);
                Arrays.fill(m, Float.NEGATIVE_INFINITY);
                Arrays.fill(l, 0f);
                int kEnd = causal ? Math.min(s, s - t + i1) : s;
                for (int j0 = 0; j0 < kEnd; j0 += BK) {
                    int nk = Math.min(BK, kEnd - j0);
                    transposeTile(rk.a, kBase + j0 * rk.sr, rk.sr, nk, d, kt);
                    for (int i = 0; i < nq; i++) {
                        int limit = causal ? Math.min(nk, s - t + i0 + i - j0 + 1) : nk;
                        if (limit <= 0) continue;
                        scores(rq.a, qBase + (i0 + i) * rq.sr, kt, d, limit, scale, sc);
                        float tileMax = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < limit; j++) tileMax = Math.max(tileMax, sc[j]);
                        float mNew = Math.max(m[i], tileMax);
                        float corr = (float) Math.exp(m[i] - mNew);   // 0 on the first tile (m = -inf)
                        float sum = expShifted(sc, limit, mNew);
                        l[i] = l[i] * corr + sum;
                        m[i] = mNew;
                        accumulatePV(acc, i * d, corr, sc, limit, rv.a, vBase + j0 * rv.sr, rv.sr, d);
                    }
                }
                for (int i = 0; i < nq; i++) {
                    int row = ((bi * h + hi) * t + i0 + i);
                    float inv = l[i] == 0f ? 0f : 1f / l[i];
                    for (int x = 0; x < d; x++) o[row * d + x] = acc[i * d + x] * inv;
                    ls[row] = l[i] == 0f ? Float.NEGATIVE_INFINITY : m[i] + (float) Math.log(l[i]);
                }
            }
        });
        return new AttentionResult(out, lse);
    }

    /** dst[x * BK + j] = src[off + j * stride + x] for j < n, x < d: a key or value tile laid out key-fastest. */
    private static void transposeTile(float[] src, int off, int stride, int n, int d, float[] dst) {
        for (int j = 0; j < n; j++) {
            int r = off + j * stride;
            for (int x = 0; x < d; x++) dst[x * BK + j] = src[r + x];
        }
    }

    /** sc[j] = scale * (q . k_j) for j < limit, from the transposed tile; lanes run over keys. */
    private static void scores(float[] q, int qo, float[] kt, int d, int limit, float scale, float[] sc) {
        int chunks = (limit + L - 1) / L;
        for (int c = 0; c < chunks; c++) {
            int j = c * L;
            FloatVector acc = FloatVector.zero(SP);
            for (int x = 0; x < d; x++) acc = FloatVector.fromArray(SP, kt, x * BK + j).fma(FloatVector.broadcast(SP, q[qo + x]), acc);
            acc.mul(scale).intoArray(sc, j);
        }
    }

    /** sc[j] = exp(sc[j] - shift) for j < n; returns the sum. */
    private static float expShifted(float[] sc, int n, float shift) {
        FloatVector vs = FloatVector.broadcast(SP, shift);
        FloatVector acc = FloatVector.zero(SP);
        int j = 0, bound = SP.loopBound(n);
        for (; j < bound; j += L) {
            FloatVector e = FloatVector.fromArray(SP, sc, j).sub(vs).lanewise(VectorOperators.EXP);
            e.intoArray(sc, j);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            sc[j] = (float) Math.exp(sc[j] - shift);
            sum += sc[j];
        }
        return sum;
    }

    /** acc[ao..ao+d) = acc * corr + sum_j p[j] * v_j. Each lane chunk of the row stays in a register across keys. */
    private static void accumulatePV(float[] acc, int ao, float corr, float[] p, int n, float[] v, int vo, int vs, int d) {
        int x = 0, bound = SP.loopBound(d);
        for (; x < bound; x += L) {
            FloatVector a = FloatVector.fromArray(SP, acc, ao + x).mul(corr);
            for (int j = 0; j < n; j++) a = FloatVector.fromArray(SP, v, vo + j * vs + x).fma(FloatVector.broadcast(SP, p[j]), a);
            a.intoArray(acc, ao + x);
        }
        for (; x < d; x++) {
            float a = acc[ao + x] * corr;
            for (int j = 0; j < n; j++) a += p[j] * v[vo + j * vs + x];
            acc[ao + x] = a;
        }
    }

    // ---- backward ----

    static AttentionGrads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                   boolean causal, float scale) {
        checkShapes(q, k, v, causal);
        if (!dout.sameShape(q) || !out.sameShape(q))
            throw new IllegalArgumentException("attention backward: dout and out must match q " + Arrays.toString(q.shape()));
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2);
        int group = h / hkv;
        Rows rq = Rows.of(q), rk = Rows.of(k), rv = Rows.of(v), rdo = Rows.of(dout), ro = Rows.of(out);
        Tensor lc = lse.contiguous();
        if (lc.numel() != b * h * t) throw new IllegalArgumentException("attention backward: lse must be [B, H, T]");
        float[] ls = lc.data();
        int lo = lc.offset();
        Tensor dq = Tensor.zeros(b, h, t, d), dk = Tensor.zeros(b, hkv, s, d), dv = Tensor.zeros(b, hkv, s, d);
        float[] gq = dq.data(), gk = dk.data(), gv = dv.data();

        // Delta_i = dO_i . O_i, the row term of the softmax backward.
        float[] delta = new float[b * h * t];
        Chunks.range(b * h, Math.max(1, 4096 / Math.max(1, t * d)), (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int bi = bh / h, hi = bh % h;
                for (int i = 0; i < t; i++)
                    delta[bh * t + i] = dot(rdo.a, rdo.base(bi, hi) + i * rdo.sr, ro.a, ro.base(bi, hi) + i * ro.sr, d);
            }
        });

        Chunks.range(b * hkv, 1, (from, to) -> {
            float[] kt = new float[d * BK], vt = new float[d * BK];
            float[] p = new float[BK], ds = new float[BK];
            float[] tk = new float[BK * d], tv = new float[BK * d];
            for (int it = from; it < to; it++) {
                int bi = it / hkv, hk = it % hkv;
                int kBase = rk.base(bi, hk), vBase = rv.base(bi, hk);
                int outKV = (bi * hkv + hk) * s * d;
                for (int j0 = 0; j0 < s; j0 += BK) {
                    int nk = Math.min(BK, s - j0);
                    transposeTile(rk.a, kBase + j0 * rk.sr, rk.sr, nk, d, kt);
                    transposeTile(rv.a, vBase + j0 * rv.sr, rv.sr, nk, d, vt);
                    Arrays.fill(tk, 0, nk * d, 0f);
                    Arrays.fill(tv, 0, nk * d, 0f);
                    int iStart = causal ? Math.max(0, j0 - (s - t)) : 0;
                    for (int hi = hk * group; hi < (hk + 1) * group; hi++) {
                        int qBase = rq.base(bi, hi), doBase = rdo.base(bi, hi);
                        int rowBase = (bi * h + hi) * t;
                        for (int i = iStart; i < t; i++) {
                            int limit = causal ? Math.min(nk, s - t + i - j0 + 1) : nk;
                            if (limit <= 0) continue;
                            int qo = qBase + i * rq.sr, go = doBase + i * rdo.sr;
                            float lseI = ls[lo + rowBase + i];
                            scores(rq.a, qo, kt, d, limit, scale, p);
                            for (int j = 0; j < limit; j++) p[j] = (float) Math.exp(p[j] - lseI);
                            // dp_j = dO_i . v_j, then dS_j = P_j (dp_j - Delta_i); scores() with scale 1 does the dot.
                            scores(rdo.a, go, vt, d, limit, 1f, ds);
                            float di = delta[rowBase + i];
                            for (int j = 0; j < limit; j++) ds[j] = p[j] * (ds[j] - di) * scale;
                            // dV_j += P_j dO_i ; dK_j += dS_j Q_i
                            rankOneUpdate(tv, p, limit, rdo.a, go, d);
                            rankOneUpdate(tk, ds, limit, rq.a, qo, d);
                            // dQ_i += sum_j dS_j K_j
                            accumulatePV(gq, (rowBase + i) * d, 1f, ds, limit, rk.a, kBase + j0 * rk.sr, rk.sr, d);
                        }
                    }
                    System.arraycopy(tk, 0, gk, outKV + j0 * d, nk * d);
                    System.arraycopy(tv, 0, gv, outKV + j0 * d, nk * d);
                }
            }
        });
        return new AttentionGrads(dq, dk, dv);
    }

    /** tile[j, :] += w[j] * x for j < n (tile rows of length d). */
    private static void rankOneUpdate(float[] tile, float[] w, int n, float[] x, int xo, int d) {
        int bound = SP.loopBound(d);
        for (int j = 0; j < n; j++) {
            float wj = w[j];
            if (wj == 0f) continue;
            FloatVector vw = FloatVector.broadcast(SP, wj);
            int r = j * d, c = 0;
            for (; c < bound; c += L)
                FloatVector.fromArray(SP, x, xo + c).fma(vw, FloatVector.fromArray(SP, tile, r + c)).intoArray(tile, r + c);
            for (; c < d; c++) tile[r + c] += wj * x[xo + c];
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(SP);
        int i = 0, bound = SP.loopBound(n);
        for (; i < bound; i += L) acc = FloatVector.fromArray(SP, a, ao + i).fma(FloatVector.fromArray(SP, b, bo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
