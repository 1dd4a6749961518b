// Softmax and log-softmax over the last dimension of contiguous [rows, c], one block per row (max-subtracted, as
// cortado.tensor.cpu.Softmax).
#include "common.cuh"

extern "C" __global__ void softmax_forward(const float* x, float* y, i64 rows, int c, int log) {
    __shared__ float scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + r * c;
        float* yr = y + r * c;
        float m = -CORTADO_INF;
        for (int i = threadIdx.x; i < c; i += blockDim.x) m = fmaxf(m, xr[i]);
        m = block_max(m, scratch);
        float s = 0.f;
        for (int i = threadIdx.x; i < c; i += blockDim.x) s += expf(xr[i] - m);
        s = block_sum(s, scratch);
        if (log) {
            float ls = logf(s);
            for (int i = threadIdx.x; i < c; i += blockDim.x) yr[i] = xr[i] - m - ls;
        } else {
            float inv = 1.f / s;
            for (int i = threadIdx.x; i < c; i += blockDim.x) yr[i] = expf(xr[i] - m) * inv;
        }
    }
}

// softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - exp(y) sum(dy).
extern "C" __global__ void softmax_backward(const float* dy, const float* y, float* dx, i64 rows, int c, int log) {
    __shared__ float scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* dyr = dy + r * c;
        const float* yr = y + r * c;
        float* dxr = dx + r * c;
        float s = 0.f;
        for (int i = threadIdx.x; i < c; i += blockDim.x) s += log ? dyr[i] : dyr[i] * yr[i];
        s = block_sum(s, scratch);
        for (int i = threadIdx.x; i < c; i += blockDim.x)
            dxr[i] = log ? dyr[i] - expf(yr[i]) * s : yr[i] * (dyr[i] - s);
    }
}
