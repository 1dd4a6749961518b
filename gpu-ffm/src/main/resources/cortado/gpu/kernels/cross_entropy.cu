// Fused softmax cross-entropy over contiguous logits [n, v], one block per row (as cortado.tensor.cpu.CrossEntropyKernel).
#include "common.cuh"

// lse[r] = log sum exp logits[r, :]; loss[r] = lse[r] - logits[r, target] for counted rows, 0 for ignored ones.
extern "C" __global__ void cross_entropy_forward(const float* logits, const int* targets, float* lse, float* loss,
                                                 i64 n, int v, int ignore) {
    __shared__ float scratch[32];
    for (i64 r = blockIdx.x; r < n; r += gridDim.x) {
        const float* x = logits + r * v;
        float m = -CORTADO_INF;
        for (int i = threadIdx.x; i < v; i += blockDim.x) m = fmaxf(m, x[i]);
        m = block_max(m, scratch);
        float s = 0.f;
        for (int i = threadIdx.x; i < v; i += blockDim.x) s += expf(x[i] - m);
        s = block_sum(s, scratch);
        if (threadIdx.x == 0) {
            float l = m + logf(s);
            int t = targets[r];
            lse[r] = l;
            loss[r] = t == ignore ? 0.f : l - x[t];
        }
    }
}

// dlogits = (softmax - onehot(target)) * scale on counted rows, 0 on ignored rows; dlogits may be logits itself.
extern "C" __global__ void cross_entropy_backward(const float* logits, const int* targets, const float* lse,
                                                  float* dlogits, i64 n, int v, int ignore, float scale) {
    for (i64 e = global_index(); e < n * v; e += grid_width()) {
        i64 r = e / v;
        int i = (int) (e % v), t = targets[r];
        if (t == ignore) {
            dlogits[e] = 0.f;
        } else {
            float p = expf(logits[e] - lse[r]);
            dlogits[e] = (p - (i == t ? 1.f : 0.f)) * scale;
        }
    }
}
