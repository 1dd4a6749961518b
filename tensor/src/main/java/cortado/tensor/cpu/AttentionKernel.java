package cortado.tensor.cpu;

import cortado.tensor.Backend;
import cortado.tensor.AttentionMask;
import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused scaled-dot-product attention, tiled as FlashAttention-2 (Dao 2023) so nothing of size T x S is ever stored.
 *
 * <p>Forward: a task takes a block of queries of one head and walks the key/value tiles of {@link #BK} keys, keeping
 * per query the running max m, running denominator l and an unnormalised output accumulator; each tile rescales them
 * by exp(m_old - m_new) (the online softmax of Milakov & Gimelshein 2018). Output = acc / l; lse = m + log l is kept
 * for backward.
 *
 * <p>Backward recomputes P = exp(scale q.k - lse) tile by tile. With Delta_i = dO_i . O_i:
 * dV_j += P_ij dO_i, dS_ij = scale P_ij (dO_i . V_j - Delta_i), dQ_i += dS_ij K_j, dK_j += dS_ij Q_i.
 * Every gradient element has a single writer summing in a fixed order (no atomics, no per-thread partial sums): a
 * task owns one (batch, kv-head) pair and walks its key tiles in order, each against every query head that shares it
 * (grouped-query attention), for dK, dV and dQ. When there are fewer such pairs than threads can use, dK and dV come
 * from tasks of one key tile and dQ from a second pass of tasks of one query block walking the tiles in the same
 * order; the two layouts give the same bits, so the result does not depend on the thread count.
 *
 * <p>Inner loops are register-blocked over {@link #R} queries at once: scores come from the key tile transposed to
 * [D, BK] (SIMD lanes run over keys, R x 4 independent accumulators, no horizontal sums), and P V is accumulated with the
 * output rows held in registers across keys. Which keys a query sees comes from an {@link AttentionMask} (causal or
 * bidirectional, per-row query offsets, a sliding window, a key-padding mask), resolved per call by
 * {@link KeyVisibility}; tiles no query of a block sees are skipped, so a window or padding costs nothing outside it.
 * A query that sees no key gets output 0, lse -inf and no gradient.
 */
final class AttentionKernel {
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    /** Keys per tile: four SIMD vectors, the width of the score micro-kernel. */
    static final int BK = 4 * L;
    /** Queries per register block. */
    static final int R = 4;
    /** Queries per forward task. */
    static final int BQ = 64;

    private AttentionKernel() {}

    /** A [B, heads, rows, D] tensor read in place: element (b, h, r, d) at off + b*sb + h*sh + r*sr + d. */
    private record Rows(float[] a, int off, int sb, int sh, int sr) {
        static Rows of(Tensor t) {
            if (t.stride(3) != 1 && t.size(3) != 1) t = t.contiguous();
            return new Rows(t.data(), t.offset(), t.stride(0), t.stride(1), t.stride(2));
        }

        int base(int b, int h) { return off + b * sb + h * sh; }
    }


    /**
     * One past the last key of the tile at j0 (of nk keys) that query i of row b may see, relative to j0; 0 when it sees
     * none of them.
     */
    private static int visibleEnd(KeyVisibility vis, int b, int i, int j0, int nk) {
        int a = Math.max(0, vis.first(b, i) - j0), e = Math.min(nk, vis.end(b, i) - j0);
        return e > a ? e : 0;
    }

    /**
     * Writes {@code fill} into the entries [off, off + BK) of x (and of y when not null) that query i of row b may not
     * see in the tile at j0 of nk keys: before its first key, after its last, and padding keys in between.
     */
    private static void hide(KeyVisibility vis, int b, int i, int j0, int nk, float fill, float[] x, float[] y, int off) {
        int a = Math.max(0, vis.first(b, i) - j0), e = Math.min(nk, vis.end(b, i) - j0);
        Arrays.fill(x, off, off + a, fill);
        Arrays.fill(x, off + e, off + BK, fill);
        if (y != null) {
            Arrays.fill(y, off, off + a, fill);
            Arrays.fill(y, off + e, off + BK, fill);
        }
        if (vis.hasHoles(b))
            for (int j = a; j < e; j++)
                if (!vis.isValid(b, j0 + j)) {
                    x[off + j] = fill;
                    if (y != null) y[off + j] = fill;
                }
    }

    // ---- forward ----

    static AttentionResult forward(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        Backend.checkAttentionShapes(q, k, v);
        Rows rk = Rows.of(k), rv = Rows.of(v);
        int s = k.size(2);
        KeyValueSource inPlace = new KeyValueSource() {
            @Override public int keys(int b) { return s; }

            @Override
            public void transposeKeys(int b, int hk, int j0, int n, int d, float[] dst, int dOff) {
                transposeTile(rk.a, rk.base(b, hk) + j0 * rk.sr, rk.sr, n, d, dst, dOff);
            }

            @Override
            public void values(int b, int hk, int j0, int n, int d, ValueTile tile) {
                tile.set(rv.a, rv.base(b, hk) + j0 * rv.sr, rv.sr);
            }
        };
        return forward(q, inPlace, k.size(1), s, mask, scale);
    }

    /**
     * Attention over keys and values read through {@code source} (hkv heads, s key positions for the mask): a tensor in
     * place, or blocks through a block table ({@link PagedKeyValues}). The same arithmetic in the same order either
     * way, so both give the same bits for the same keys and values.
     */
    static AttentionResult forward(Tensor q, KeyValueSource source, int hkv, int s, AttentionMask mask, float scale) {
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3);
        KeyVisibility vis = new KeyVisibility(mask, b, t, s);
        for (int bi = 0; bi < b; bi++)
            if (t > 0 && vis.end(bi, t - 1) > source.keys(bi))
                throw new IllegalArgumentException("attention mask lets row " + bi + " see key " + (vis.end(bi, t - 1) - 1)
                        + " but the row holds " + source.keys(bi) + " keys");
        int group = h / hkv;
        Rows rq = Rows.of(q);
        Tensor out = Tensor.zeros(b, h, t, d), lse = Tensor.zeros(b, h, t);
        float[] o = out.data(), ls = lse.data();
        int tiles = (s + BK - 1) / BK, tileSize = d * BK;
        int qBlocks = (t + BQ - 1) / BQ;
        // When several query heads or blocks read a key tile, every tile is transposed once up front; otherwise (one
        // block per head and no sharing, as in decoding with a KV cache) each task transposes its tiles as it goes.
        boolean shared = qBlocks * group > 1;
        float[] kts = shared ? new float[b * hkv * tiles * tileSize] : null;
        if (shared) Chunks.range(b * hkv * tiles, Math.max(1, 4096 / tileSize), (from, to) -> {
            for (int it = from; it < to; it++) {
                int bk = it / tiles, j0 = (it % tiles) * BK;
                source.transposeKeys(bk / hkv, bk % hkv, j0, tileKeys(source, bk / hkv, j0), d, kts, it * tileSize);
            }
        });
        int items = b * h * qBlocks;
        Chunks.range(items, 1, (from, to) -> {
            ForwardScratch scratch = ForwardScratch.of(d);
            float[] own = scratch.ownTile, sc = scratch.sc, acc = scratch.acc, m = scratch.m, l = scratch.l;
            float[] corr = scratch.corr, lanes = scratch.lanes;
            int[] lim = scratch.lim;
            ValueTile vt = scratch.values;
            for (int it = from; it < to; it++) {
                int bi = it / (h * qBlocks), hi = (it / qBlocks) % h, qblk = it % qBlocks;
                int hk = hi / group;
                int i0 = qblk * BQ, i1 = Math.min(t, i0 + BQ), nq = i1 - i0;
                int qBase = rq.base(bi, hi);
                int tileBase = (bi * hkv + hk) * tiles * tileSize;
                Arrays.fill(acc, 0, nq * d, 0f);
                Arrays.fill(m, 0, nq, Float.NEGATIVE_INFINITY);
                Arrays.fill(l, 0, nq, 0f);
                // first and end are non-decreasing in the query, so the block's keys span [first(i0), end(i1 - 1)).
                int kStart = vis.first(bi, i0) / BK * BK, kEnd = vis.end(bi, i1 - 1);
                for (int j0 = kStart; j0 < kEnd; j0 += BK) {
                    int nk = Math.min(BK, s - j0);
                    float[] ktArr = shared ? kts : own;
                    int kt = shared ? tileBase + (j0 / BK) * tileSize : 0;
                    if (!shared) source.transposeKeys(bi, hk, j0, tileKeys(source, bi, j0), d, own, 0);
                    source.values(bi, hk, j0, Math.min(nk, kEnd - j0), d, vt);
                    for (int g0 = 0; g0 < nq; g0 += R) {
                        int maxLim = 0;
                        for (int r = 0; r < R; r++) {
                            lim[r] = g0 + r < nq ? visibleEnd(vis, bi, i0 + g0 + r, j0, nk) : 0;
                            maxLim = Math.max(maxLim, lim[r]);
                        }
                        if (maxLim == 0) continue;
                        int last = nq - 1;   // rows past the end read the last row again; their results are dropped
                        scores(rq.a, qBase + (i0 + g0) * rq.sr, qBase + (i0 + Math.min(g0 + 1, last)) * rq.sr,
                                qBase + (i0 + Math.min(g0 + 2, last)) * rq.sr, qBase + (i0 + Math.min(g0 + 3, last)) * rq.sr,
                                d, ktArr, kt, scale, sc);
                        for (int r = 0; r < R; r++) {
                            int row = g0 + r;
                            if (lim[r] > 0) {
                                hide(vis, bi, i0 + row, j0, nk, Float.NEGATIVE_INFINITY, sc, null, r * BK);
                                float mNew = Math.max(m[row], Reductions.rowMax(sc, r * BK, BK));
                                if (mNew != Float.NEGATIVE_INFINITY) {   // else: only padding keys seen so far
                                    corr[r] = (float) Math.exp(m[row] - mNew);   // 0 on the first tile (m = -inf)
                                    l[row] = l[row] * corr[r] + expShifted(sc, r * BK, BK, mNew, lanes);
                                    m[row] = mNew;
                                    continue;
                                }
                            }
                            corr[r] = 1f;   // this query sees no key of the tile: contributes nothing
                            Arrays.fill(sc, r * BK, (r + 1) * BK, 0f);
                        }
                        accumulate(acc, g0 * d, Math.min(R, nq - g0), corr, sc, maxLim, vt.a, vt.off, vt.stride, d);
                    }
                }
                for (int i = 0; i < nq; i++) {
                    int row = (bi * h + hi) * t + i0 + i;
                    float inv = l[i] == 0f ? 0f : 1f / l[i];   // a query with no visible key: output 0
                    for (int x = 0; x < d; x++) o[row * d + x] = acc[i * d + x] * inv;
                    ls[row] = l[i] == 0f ? Float.NEGATIVE_INFINITY : m[i] + (float) Math.log(l[i]);
                }
            }
        });
        return new AttentionResult(out, lse);
    }

    /**
     * A forward task's working arrays, one set per thread and head size, reused by every task and call on that thread
     * (decoding runs some 150 tasks a token: allocating these per task made tens of MB of garbage a second).
     */
    private static final class ForwardScratch {
        private static final ThreadLocal<ForwardScratch> PER_THREAD = new ThreadLocal<>();
        final int d;
        final float[] ownTile, sc = new float[R * BK], acc, m = new float[BQ], l = new float[BQ];
        final float[] corr = new float[R], lanes = new float[L];
        final int[] lim = new int[R];
        final ValueTile values;

        private ForwardScratch(int d) {
            this.d = d;
            ownTile = new float[d * BK];
            acc = new float[BQ * d];
            values = new ValueTile(BK * d);
        }

        static ForwardScratch of(int d) {
            ForwardScratch s = PER_THREAD.get();
            if (s == null || s.d != d) PER_THREAD.set(s = new ForwardScratch(d));
            return s;
        }
    }

    /** Keys of the tile at j0 that row b holds (the rest of the tile is zeroed: masked, never read). */
    private static int tileKeys(KeyValueSource source, int b, int j0) {
        return Math.max(0, Math.min(BK, source.keys(b) - j0));
    }

    /**
     * Where the forward pass reads keys and values of (batch row, kv head): a transposed key tile (key-fastest, as
     * {@link #transposeTile} lays it out) and the value rows of a tile, in place or gathered.
     */
    interface KeyValueSource {
        /** Key positions row b holds. */
        int keys(int b);

        /** Keys j0 .. j0+n-1 of (b, hk) into dst at dOff, laid out as {@link #transposeTile} does (n &lt;= BK). */
        void transposeKeys(int b, int hk, int j0, int n, int d, float[] dst, int dOff);

        /** Points {@code tile} at the value rows j0 .. j0+n-1 of (b, hk): row j at tile.off + j * tile.stride. */
        void values(int b, int hk, int j0, int n, int d, ValueTile tile);
    }

    /** Value rows of one tile: row j at {@code a[off + j * stride ..]}; {@code scratch} holds them when gathered. */
    static final class ValueTile {
        final float[] scratch;
        float[] a;
        int off, stride;

        ValueTile(int size) { scratch = new float[size]; }

        void set(float[] a, int off, int stride) {
            this.a = a;
            this.off = off;
            this.stride = stride;
        }
    }

    /**
     * dst[dOff + x * BK + j] = src[off + j * stride + x] for j < n, x < d: a key or value tile laid out key-fastest.
     * Columns n..BK-1 are zeroed so that scores against them stay finite (they are masked afterwards).
     */
    static void transposeTile(float[] src, int off, int stride, int n, int d, float[] dst, int dOff) {
        for (int j = 0; j < n; j++) {
            int r = off + j * stride;
            for (int x = 0; x < d; x++) dst[dOff + x * BK + j] = src[r + x];
        }
        if (n < BK) for (int x = 0; x < d; x++) Arrays.fill(dst, dOff + x * BK + n, dOff + (x + 1) * BK, 0f);
    }

    /**
     * sc[r * BK + j] = scale * (a[o_r ..] . tile[:, j]) for R rows (read in place at offsets o0..o3) and all BK keys of
     * a transposed tile starting at kt: 16 independent accumulators, 4 tile loads and 4 broadcasts per 16 FMAs.
     */
    private static void scores(float[] a, int o0, int o1, int o2, int o3, int d, float[] tile, int kt, float scale,
                               float[] sc) {
        FloatVector s00 = FloatVector.zero(SP), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        for (int x = 0; x < d; x++) {
            int kx = kt + x * BK;
            FloatVector k0 = FloatVector.fromArray(SP, tile, kx), k1 = FloatVector.fromArray(SP, tile, kx + L);
            FloatVector k2 = FloatVector.fromArray(SP, tile, kx + 2 * L), k3 = FloatVector.fromArray(SP, tile, kx + 3 * L);
            FloatVector q = FloatVector.broadcast(SP, a[o0 + x]);
            s00 = k0.fma(q, s00); s01 = k1.fma(q, s01); s02 = k2.fma(q, s02); s03 = k3.fma(q, s03);
            q = FloatVector.broadcast(SP, a[o1 + x]);
            s10 = k0.fma(q, s10); s11 = k1.fma(q, s11); s12 = k2.fma(q, s12); s13 = k3.fma(q, s13);
            q = FloatVector.broadcast(SP, a[o2 + x]);
            s20 = k0.fma(q, s20); s21 = k1.fma(q, s21); s22 = k2.fma(q, s22); s23 = k3.fma(q, s23);
            q = FloatVector.broadcast(SP, a[o3 + x]);
            s30 = k0.fma(q, s30); s31 = k1.fma(q, s31); s32 = k2.fma(q, s32); s33 = k3.fma(q, s33);
        }
        if (scale != 1f) {
            FloatVector vs = FloatVector.broadcast(SP, scale);
            s00 = s00.mul(vs); s01 = s01.mul(vs); s02 = s02.mul(vs); s03 = s03.mul(vs);
            s10 = s10.mul(vs); s11 = s11.mul(vs); s12 = s12.mul(vs); s13 = s13.mul(vs);
            s20 = s20.mul(vs); s21 = s21.mul(vs); s22 = s22.mul(vs); s23 = s23.mul(vs);
            s30 = s30.mul(vs); s31 = s31.mul(vs); s32 = s32.mul(vs); s33 = s33.mul(vs);
        }
        s00.intoArray(sc, 0); s01.intoArray(sc, L); s02.intoArray(sc, 2 * L); s03.intoArray(sc, 3 * L);
        s10.intoArray(sc, BK); s11.intoArray(sc, BK + L); s12.intoArray(sc, BK + 2 * L); s13.intoArray(sc, BK + 3 * L);
        s20.intoArray(sc, 2 * BK); s21.intoArray(sc, 2 * BK + L); s22.intoArray(sc, 2 * BK + 2 * L); s23.intoArray(sc, 2 * BK + 3 * L);
        s30.intoArray(sc, 3 * BK); s31.intoArray(sc, 3 * BK + L); s32.intoArray(sc, 3 * BK + 2 * L); s33.intoArray(sc, 3 * BK + 3 * L);
    }

    /**
     * sc[off + j] = exp(sc[off + j] - shift) for j < n; returns their sum. The exponential is {@link VectorExp} and the
     * lanes are summed left to right, not by {@code reduceLanes} (whose order differs between JIT tiers), so the result
     * has the same bits however and whenever it runs.
     */
    private static float expShifted(float[] sc, int off, int n, float shift, float[] lanes) {
        FloatVector vs = FloatVector.broadcast(SP, shift);
        FloatVector acc = FloatVector.zero(SP);
        for (int j = 0; j < n; j += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(SP, sc, off + j).sub(vs));
            e.intoArray(sc, off + j);
            acc = acc.add(e);
        }
        acc.intoArray(lanes, 0);
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += lanes[i];
        return sum;
    }

    /**
     * For rows r < nRows (row stride d from ao): acc_r = acc_r * corr[r] + sum_{j < n} p[r * BK + j] * v_j. Two SIMD
     * chunks of R rows stay in registers while the keys stream by.
     */
    private static void accumulate(float[] acc, int ao, int nRows, float[] corr, float[] p, int n,
                                   float[] v, int vo, int vs, int d) {
        if (nRows < R) {   // ragged last block: the scalar-per-row path keeps out-of-range rows untouched
            for (int r = 0; r < nRows; r++) accumulateRow(acc, ao + r * d, corr[r], p, r * BK, n, v, vo, vs, d);
            return;
        }
        int x = 0;
        for (; x + 2 * L <= d; x += 2 * L) {
            FloatVector a00 = FloatVector.fromArray(SP, acc, ao + x).mul(corr[0]);
            FloatVector a01 = FloatVector.fromArray(SP, acc, ao + x + L).mul(corr[0]);
            FloatVector a10 = FloatVector.fromArray(SP, acc, ao + d + x).mul(corr[1]);
            FloatVector a11 = FloatVector.fromArray(SP, acc, ao + d + x + L).mul(corr[1]);
            FloatVector a20 = FloatVector.fromArray(SP, acc, ao + 2 * d + x).mul(corr[2]);
            FloatVector a21 = FloatVector.fromArray(SP, acc, ao + 2 * d + x + L).mul(corr[2]);
            FloatVector a30 = FloatVector.fromArray(SP, acc, ao + 3 * d + x).mul(corr[3]);
            FloatVector a31 = FloatVector.fromArray(SP, acc, ao + 3 * d + x + L).mul(corr[3]);
            for (int j = 0; j < n; j++) {
                int vr = vo + j * vs + x;
                FloatVector v0 = FloatVector.fromArray(SP, v, vr), v1 = FloatVector.fromArray(SP, v, vr + L);
                FloatVector w = FloatVector.broadcast(SP, p[j]);
                a00 = v0.fma(w, a00); a01 = v1.fma(w, a01);
                w = FloatVector.broadcast(SP, p[BK + j]);
                a10 = v0.fma(w, a10); a11 = v1.fma(w, a11);
                w = FloatVector.broadcast(SP, p[2 * BK + j]);
                a20 = v0.fma(w, a20); a21 = v1.fma(w, a21);
                w = FloatVector.broadcast(SP, p[3 * BK + j]);
                a30 = v0.fma(w, a30); a31 = v1.fma(w, a31);
            }
            a00.intoArray(acc, ao + x); a01.intoArray(acc, ao + x + L);
            a10.intoArray(acc, ao + d + x); a11.intoArray(acc, ao + d + x + L);
            a20.intoArray(acc, ao + 2 * d + x); a21.intoArray(acc, ao + 2 * d + x + L);
            a30.intoArray(acc, ao + 3 * d + x); a31.intoArray(acc, ao + 3 * d + x + L);
        }
        if (x < d)
            for (int r = 0; r < R; r++) accumulateTail(acc, ao + r * d, corr[r], p, r * BK, n, v, vo, vs, x, d);
    }

    private static void accumulateRow(float[] acc, int ao, float corr, float[] p, int po, int n,
                                      float[] v, int vo, int vs, int d) {
        accumulateTail(acc, ao, corr, p, po, n, v, vo, vs, 0, d);
    }

    /** Columns x0..d-1 of one row: one SIMD chunk at a time, then scalars. */
    private static void accumulateTail(float[] acc, int ao, float corr, float[] p, int po, int n,
                                       float[] v, int vo, int vs, int x0, int d) {
        int x = x0;
        for (; x + L <= d; x += L) {
            FloatVector a = FloatVector.fromArray(SP, acc, ao + x).mul(corr);
            for (int j = 0; j < n; j++) a = FloatVector.fromArray(SP, v, vo + j * vs + x).fma(FloatVector.broadcast(SP, p[po + j]), a);
            a.intoArray(acc, ao + x);
        }
        for (; x < d; x++) {
            float a = acc[ao + x] * corr;
            for (int j = 0; j < n; j++) a += p[po + j] * v[vo + j * vs + x];
            acc[ao + x] = a;
        }
    }

    // ---- backward ----

    static AttentionGrads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                   AttentionMask mask, float scale) {
        Backend.checkAttentionShapes(q, k, v);
        if (!dout.sameShape(q) || !out.sameShape(q))
            throw new IllegalArgumentException("attention backward: dout and out must match q " + Arrays.toString(q.shape()));
        int b = q.size(0), h = q.size(1), t = q.size(2), d = q.size(3), hkv = k.size(1), s = k.size(2);
        KeyVisibility vis = new KeyVisibility(mask, b, t, s);
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

        int tiles = (s + BK - 1) / BK, units = b * hkv;
        // One key tile of one (batch, kv-head) against every query head that shares it: its dK and dV rows are complete
        // when it returns. With dq != null it also adds each query's dS K to dq.
        KeyTileBody keyTile = (bi, hk, j0, sc, dqOut) -> {
            int nk = Math.min(BK, s - j0);
            int kBase = rk.base(bi, hk), vBase = rv.base(bi, hk);
            int iStart = vis.queryStart(bi, j0), iEnd = vis.queryEnd(bi, j0 + nk);
            if (iStart >= iEnd) return;
            transposeTile(rk.a, kBase + j0 * rk.sr, rk.sr, nk, d, sc.kt, 0);
            transposeTile(rv.a, vBase + j0 * rv.sr, rv.sr, nk, d, sc.vt, 0);
            Arrays.fill(sc.tk, 0f);
            Arrays.fill(sc.tv, 0f);
            for (int hi = hk * group; hi < (hk + 1) * group; hi++) {
                int qBase = rq.base(bi, hi), doBase = rdo.base(bi, hi), rowBase = (bi * h + hi) * t;
                for (int g0 = iStart; g0 < iEnd; g0 += R) {
                    int nRows = Math.min(R, iEnd - g0);
                    int maxLim = probabilitiesAndDs(vis, bi, g0, nRows, t, j0, nk, rowBase, ls, lo, delta, scale,
                            rq, qBase, rdo, doBase, d, sc);
                    if (maxLim == 0) continue;
                    rankUpdate(sc.tv, sc.p, maxLim, rdo.a, sc.d0, sc.d1, sc.d2, sc.d3, d);   // dV_j += sum_r P_rj dO_r
                    rankUpdate(sc.tk, sc.ds, maxLim, rq.a, sc.q0, sc.q1, sc.q2, sc.q3, d);   // dK_j += sum_r dS_rj Q_r
                    if (dqOut != null)   // dQ_i += sum_j dS_ij K_j
                        accumulate(dqOut, (rowBase + g0) * d, nRows, ONES, sc.ds, maxLim, rk.a, kBase + j0 * rk.sr, rk.sr, d);
                }
            }
            int outKV = (bi * hkv + hk) * s * d;
            System.arraycopy(sc.tk, 0, gk, outKV + j0 * d, nk * d);
            System.arraycopy(sc.tv, 0, gv, outKV + j0 * d, nk * d);
        };
        if (units >= 2 * Parallel.threads()) {
            // Enough (batch, kv-head) pairs for every thread: one pass, each task owning a pair and walking its tiles in
            // order, so dQ rows too have a single writer adding tiles in key order.
            Chunks.range(units, 1, (from, to) -> {
                BackwardScratch sc = new BackwardScratch(d);
                for (int unit = from; unit < to; unit++)
                    for (int j0 = 0; j0 < s; j0 += BK) keyTile.run(unit / hkv, unit % hkv, j0, sc, gq);
            });
            return new AttentionGrads(dq, dk, dv);
        }
        // Too few pairs: two passes, as the backward of Triton's fused-attention tutorial: dK, dV by key tile, then dQ
        // by query block walking the key tiles in order. The price is computing P and dS twice; the gain is that every
        // gradient element still has one writer summing in the same order as the one-pass path (a query that cannot
        // see a key adds an exact 0), so both paths, and so every thread count, give the same bits.
        Chunks.range(units * tiles, 1, (from, to) -> {
            BackwardScratch sc = new BackwardScratch(d);
            for (int item = from; item < to; item++)
                keyTile.run(item / (hkv * tiles), (item / tiles) % hkv, (item % tiles) * BK, sc, null);
        });
        int qBlocks = (t + BQ - 1) / BQ;
        Chunks.range(b * h * qBlocks, 1, (from, to) -> {
            BackwardScratch sc = new BackwardScratch(d);
            for (int item = from; item < to; item++) {
                int bi = item / (h * qBlocks), hi = (item / qBlocks) % h, i0 = (item % qBlocks) * BQ;
                int i1 = Math.min(t, i0 + BQ), hk = hi / group;
                int kBase = rk.base(bi, hk), vBase = rv.base(bi, hk);
                int qBase = rq.base(bi, hi), doBase = rdo.base(bi, hi), rowBase = (bi * h + hi) * t;
                int kStart = vis.first(bi, i0) / BK * BK, kEnd = vis.end(bi, i1 - 1);
                for (int j0 = kStart; j0 < kEnd; j0 += BK) {
                    int nk = Math.min(BK, s - j0);
                    transposeTile(rk.a, kBase + j0 * rk.sr, rk.sr, nk, d, sc.kt, 0);
                    transposeTile(rv.a, vBase + j0 * rv.sr, rv.sr, nk, d, sc.vt, 0);
                    for (int g0 = i0; g0 < i1; g0 += R) {
                        int nRows = Math.min(R, i1 - g0);
                        int maxLim = probabilitiesAndDs(vis, bi, g0, nRows, t, j0, nk, rowBase, ls, lo, delta, scale,
                                rq, qBase, rdo, doBase, d, sc);
                        if (maxLim == 0) continue;
                        // dQ_i += sum_j dS_ij K_j, tiles in key order
                        accumulate(gq, (rowBase + g0) * d, nRows, ONES, sc.ds, maxLim, rk.a, kBase + j0 * rk.sr, rk.sr, d);
                    }
                }
            }
        });
        return new AttentionGrads(dq, dk, dv);
    }

    /**
     * For the nRows (at most R) queries from g0 against the transposed tiles in sc: sc.p = P and sc.ds = dS, zero where a
     * query may not see a key, and the row offsets of those queries and of their output gradients in sc.q0.., sc.d0..
     * (rows past T repeat row T-1, with zero weights). Returns one past the last key any of them sees (0: none).
     */
    private static int probabilitiesAndDs(KeyVisibility vis, int bi, int g0, int nRows, int t, int j0, int nk,
                                          int rowBase, float[] ls, int lo, float[] delta, float scale,
                                          Rows rq, int qBase, Rows rdo, int doBase, int d, BackwardScratch sc) {
        int maxLim = 0;
        for (int r = 0; r < R; r++) {
            boolean seen = r < nRows && ls[lo + rowBase + g0 + r] != Float.NEGATIVE_INFINITY;   // -inf: sees no key
            sc.lim[r] = seen ? visibleEnd(vis, bi, g0 + r, j0, nk) : 0;
            maxLim = Math.max(maxLim, sc.lim[r]);
        }
        if (maxLim == 0) return 0;
        int r1 = Math.min(g0 + 1, t - 1), r2 = Math.min(g0 + 2, t - 1), r3 = Math.min(g0 + 3, t - 1);
        sc.q0 = qBase + g0 * rq.sr;
        sc.q1 = qBase + r1 * rq.sr;
        sc.q2 = qBase + r2 * rq.sr;
        sc.q3 = qBase + r3 * rq.sr;
        sc.d0 = doBase + g0 * rdo.sr;
        sc.d1 = doBase + r1 * rdo.sr;
        sc.d2 = doBase + r2 * rdo.sr;
        sc.d3 = doBase + r3 * rdo.sr;
        scores(rq.a, sc.q0, sc.q1, sc.q2, sc.q3, d, sc.kt, 0, 1f, sc.p);        // q . k
        scores(rdo.a, sc.d0, sc.d1, sc.d2, sc.d3, d, sc.vt, 0, 1f, sc.ds);      // dO . v
        for (int r = 0; r < R; r++) {
            int pr = r * BK;
            if (sc.lim[r] == 0) {
                Arrays.fill(sc.p, pr, pr + BK, 0f);
                Arrays.fill(sc.ds, pr, pr + BK, 0f);
                continue;
            }
            probabilitiesAndDs(sc.p, sc.ds, pr, scale, ls[lo + rowBase + g0 + r], delta[rowBase + g0 + r]);
            hide(vis, bi, g0 + r, j0, nk, 0f, sc.p, sc.ds, pr);
        }
        return maxLim;
    }

    private static final float[] ONES = {1f, 1f, 1f, 1f};

    @FunctionalInterface
    private interface KeyTileBody {
        void run(int bi, int hk, int j0, BackwardScratch scratch, float[] dqOut);
    }

    /** Per-thread buffers of the backward pass: transposed K and V tiles, P and dS rows, dK and dV tile sums. */
    private static final class BackwardScratch {
        final float[] kt, vt, p = new float[R * BK], ds = new float[R * BK], tk, tv;
        final int[] lim = new int[R];
        int q0, q1, q2, q3, d0, d1, d2, d3;

        BackwardScratch(int d) {
            kt = new float[d * BK];
            vt = new float[d * BK];
            tk = new float[BK * d];
            tv = new float[BK * d];
        }
    }

    /** p = exp(scale * p - lse); ds = scale * p * (ds - delta), over one row of BK. */
    private static void probabilitiesAndDs(float[] p, float[] ds, int off, float scale, float lse, float delta) {
        FloatVector vs = FloatVector.broadcast(SP, scale), vl = FloatVector.broadcast(SP, lse);
        FloatVector vd = FloatVector.broadcast(SP, delta);
        for (int j = 0; j < BK; j += L) {
            FloatVector pj = VectorExp.exp(FloatVector.fromArray(SP, p, off + j).fma(vs, vl.neg()));
            pj.intoArray(p, off + j);
            FloatVector.fromArray(SP, ds, off + j).sub(vd).mul(pj).mul(vs).intoArray(ds, off + j);
        }
    }

    /**
     * tile[j, :] += sum_r w[r * BK + j] * a[o_r ..] for j < n, rows read in place; each SIMD chunk of the R rows stays
     * in registers while the tile rows stream by.
     */
    private static void rankUpdate(float[] tile, float[] w, int n, float[] a, int o0, int o1, int o2, int o3, int d) {
        int x = 0;
        for (; x + L <= d; x += L) {
            FloatVector r0 = FloatVector.fromArray(SP, a, o0 + x), r1 = FloatVector.fromArray(SP, a, o1 + x);
            FloatVector r2 = FloatVector.fromArray(SP, a, o2 + x), r3 = FloatVector.fromArray(SP, a, o3 + x);
            for (int j = 0; j < n; j++) {
                int tj = j * d + x;
                FloatVector acc = FloatVector.fromArray(SP, tile, tj);
                acc = r0.fma(FloatVector.broadcast(SP, w[j]), acc);
                acc = r1.fma(FloatVector.broadcast(SP, w[BK + j]), acc);
                acc = r2.fma(FloatVector.broadcast(SP, w[2 * BK + j]), acc);
                acc = r3.fma(FloatVector.broadcast(SP, w[3 * BK + j]), acc);
                acc.intoArray(tile, tj);
            }
        }
        for (; x < d; x++)
            for (int j = 0; j < n; j++)
                tile[j * d + x] += w[j] * a[o0 + x] + w[BK + j] * a[o1 + x] + w[2 * BK + j] * a[o2 + x]
                        + w[3 * BK + j] * a[o3 + x];
    }

    /** a . b over n entries, in index order (once per query row: not worth a SIMD sum whose order varies by JIT tier). */
    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }
}
