// Scaled-dot-product attention with every AttentionMask kind, forward and backward, on contiguous q [B, H, T, D],
// k and v [B, Hkv, S, D] (grouped-query: query head h reads kv head h / (H / Hkv)). Not tiled: one block per query row
// (forward, dQ) or per key row (dK, dV) with that row's scores in shared memory; the backward is FlashAttention-2's
// (Dao 2023): P = exp(S - lse), dS = P (dP - Delta), Delta_i = dO_i . O_i, recomputed from the saved log-sum-exp, and
// sums run over rows in a fixed order (no atomics). A query that sees no key gets output 0, lse -inf, zero gradients.
#include "common.cuh"

// cortado.tensor.AttentionMask.visible: query i of row b is at key index p = offset + i (offset S - T by default);
// key j is seen when it is real, and under a causal mask j <= p, j > p - window (window > 0), j >= start of p's
// packed sequence. valid and starts are [B, S] (null when absent), offsets [B] (null: S - T).
__device__ __forceinline__ bool visible(int b, i64 i, i64 j, i64 T, i64 S, int causal, int window, const int* offsets,
                                        const int* valid, const int* starts) {
    if (valid && !valid[b * S + j]) return false;
    if (!causal) return true;
    i64 p = (offsets ? offsets[b] : S - T) + i;
    return j <= p && (window == 0 || j > p - window) && (!starts || p >= S || j >= starts[b * S + p]);
}

__device__ __forceinline__ float dot(const float* a, const float* b, int d) {
    float s = 0.f;
    for (int x = 0; x < d; x++) s += a[x] * b[x];
    return s;
}

// Dynamic shared memory: D + S floats.
extern "C" __global__ void attention_forward(const float* q, const float* k, const float* v, float* out, float* lse,
                                             int B, int H, int Hkv, i64 T, i64 S, int D, float scale, int causal,
                                             int window, const int* offsets, const int* valid, const int* starts) {
    extern __shared__ float smem[];
    __shared__ float scratch[32];
    float* qs = smem;
    float* sc = smem + D;
    i64 rows = (i64) B * H * T;
    int group = H / Hkv;
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        i64 i = row % T, bh = row / T;
        int h = (int) (bh % H), b = (int) (bh / H);
        const float* kb = k + ((i64) b * Hkv + h / group) * S * D;
        const float* vb = v + ((i64) b * Hkv + h / group) * S * D;
        __syncthreads(); // the previous row's readers of qs and sc are done
        for (int x = threadIdx.x; x < D; x += blockDim.x) qs[x] = q[row * D + x];
        __syncthreads();
        float m = -CORTADO_INF;
        for (i64 j = threadIdx.x; j < S; j += blockDim.x) {
            float s = -CORTADO_INF;
            if (visible(b, i, j, T, S, causal, window, offsets, valid, starts)) s = dot(qs, kb + j * D, D) * scale;
            sc[j] = s;
            m = fmaxf(m, s);
        }
        m = block_max(m, scratch);
        float* o = out + row * D;
        if (m == -CORTADO_INF) { // sees no key (m is the same in every thread: the branch is uniform)
            for (int x = threadIdx.x; x < D; x += blockDim.x) o[x] = 0.f;
            if (threadIdx.x == 0) lse[row] = -CORTADO_INF;
            continue;
        }
        float sum = 0.f;
        for (i64 j = threadIdx.x; j < S; j += blockDim.x) {
            float e = expf(sc[j] - m);
            sc[j] = e;
            sum += e;
        }
        sum = block_sum(sum, scratch); // also orders the sc writes before the reads below
        float inv = 1.f / sum;
        for (int x = threadIdx.x; x < D; x += blockDim.x) {
            float acc = 0.f;
            for (i64 j = 0; j < S; j++) acc += sc[j] * vb[j * D + x];
            o[x] = acc * inv;
        }
        if (threadIdx.x == 0) lse[row] = m + logf(sum);
    }
}

// dQ and Delta per query row. Dynamic shared memory: 2 D + S floats.
extern "C" __global__ void attention_backward_query(const float* q, const float* k, const float* v, const float* out,
                                                    const float* dout, const float* lse, float* dq, float* delta,
                                                    int B, int H, int Hkv, i64 T, i64 S, int D, float scale,
                                                    int causal, int window, const int* offsets, const int* valid,
                                                    const int* starts) {
    extern __shared__ float smem[];
    __shared__ float scratch[32];
    float* qs = smem;
    float* dos = smem + D;
    float* ds = smem + 2 * D;
    i64 rows = (i64) B * H * T;
    int group = H / Hkv;
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        i64 i = row % T, bh = row / T;
        int h = (int) (bh % H), b = (int) (bh / H);
        const float* kb = k + ((i64) b * Hkv + h / group) * S * D;
        const float* vb = v + ((i64) b * Hkv + h / group) * S * D;
        __syncthreads();
        float part = 0.f;
        for (int x = threadIdx.x; x < D; x += blockDim.x) {
            qs[x] = q[row * D + x];
            dos[x] = dout[row * D + x];
            part += dout[row * D + x] * out[row * D + x];
        }
        float di = block_sum(part, scratch); // also orders the qs, dos writes
        if (threadIdx.x == 0) delta[row] = di;
        float l = lse[row];
        for (i64 j = threadIdx.x; j < S; j += blockDim.x) {
            float g = 0.f;
            if (l != -CORTADO_INF && visible(b, i, j, T, S, causal, window, offsets, valid, starts)) {
                float p = expf(dot(qs, kb + j * D, D) * scale - l);
                g = p * (dot(dos, vb + j * D, D) - di);
            }
            ds[j] = g;
        }
        __syncthreads();
        for (int x = threadIdx.x; x < D; x += blockDim.x) {
            float acc = 0.f;
            for (i64 j = 0; j < S; j++) acc += ds[j] * kb[j * D + x];
            dq[row * D + x] = acc * scale;
        }
    }
}

// dK and dV per key row, over the G = H / Hkv query heads that share it and all T queries. Dynamic shared memory:
// 2 D + 2 G T floats.
extern "C" __global__ void attention_backward_key(const float* q, const float* k, const float* v, const float* dout,
                                                  const float* lse, const float* delta, float* dk, float* dv,
                                                  int B, int H, int Hkv, i64 T, i64 S, int D, float scale,
                                                  int causal, int window, const int* offsets, const int* valid,
                                                  const int* starts) {
    extern __shared__ float smem[];
    int group = H / Hkv;
    i64 gt = (i64) group * T;
    float* ks = smem;
    float* vs = smem + D;
    float* ps = smem + 2 * D;
    float* ds = ps + gt;
    i64 rows = (i64) B * Hkv * S;
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        i64 j = row % S, bk = row / S;
        int hk = (int) (bk % Hkv), b = (int) (bk / Hkv);
        __syncthreads();
        for (int x = threadIdx.x; x < D; x += blockDim.x) {
            ks[x] = k[row * D + x];
            vs[x] = v[row * D + x];
        }
        __syncthreads();
        for (i64 e = threadIdx.x; e < gt; e += blockDim.x) {
            i64 i = e % T;
            i64 qrow = ((i64) b * H + hk * group + e / T) * T + i;
            float p = 0.f, g = 0.f, l = lse[qrow];
            if (l != -CORTADO_INF && visible(b, i, j, T, S, causal, window, offsets, valid, starts)) {
                p = expf(dot(q + qrow * D, ks, D) * scale - l);
                g = p * (dot(dout + qrow * D, vs, D) - delta[qrow]);
            }
            ps[e] = p;
            ds[e] = g;
        }
        __syncthreads();
        for (int x = threadIdx.x; x < D; x += blockDim.x) {
            float av = 0.f, ak = 0.f;
            for (i64 e = 0; e < gt; e++) {
                i64 qrow = ((i64) b * H + hk * group + e / T) * T + e % T;
                av += ps[e] * dout[qrow * D + x];
                ak += ds[e] * q[qrow * D + x];
            }
            dv[row * D + x] = av;
            dk[row * D + x] = ak * scale;
        }
    }
}
