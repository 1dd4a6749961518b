// LayerNorm (Ba et al. 2016) and RMSNorm (Zhang & Sennrich 2019) over the last dimension of contiguous [rows, c], one
// block per row; formulas as cortado.tensor.cpu.LayerNormKernel / RmsNormKernel (two-pass variance, llm.c's backward).
#include "common.cuh"

// mean == 0 (null) selects RMSNorm: rstd = 1/sqrt(mean(x^2) + eps), y = x rstd w. bias may be null.
extern "C" __global__ void norm_forward(const float* x, const float* w, const float* bias, float* y, float* mean,
                                        float* rstd, i64 rows, int c, float eps) {
    __shared__ float scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + r * c;
        float m = 0.f;
        if (mean) {
            float s = 0.f;
            for (int i = threadIdx.x; i < c; i += blockDim.x) s += xr[i];
            m = block_sum(s, scratch) / c;
        }
        float q = 0.f;
        for (int i = threadIdx.x; i < c; i += blockDim.x) q += (xr[i] - m) * (xr[i] - m);
        q = block_sum(q, scratch) / c;
        float s = (float) (1.0 / sqrt((double) q + (double) eps));
        if (threadIdx.x == 0) {
            if (mean) mean[r] = m;
            rstd[r] = s;
        }
        for (int i = threadIdx.x; i < c; i += blockDim.x)
            y[r * c + i] = (xr[i] - m) * s * w[i] + (bias ? bias[i] : 0.f);
    }
}

// dx = rstd (g - mean(g) - n mean(g n)) with g = dy w, n = (x - mean) rstd; RMSNorm (mean null) drops mean(g).
extern "C" __global__ void norm_backward_input(const float* dy, const float* x, const float* w, const float* mean,
                                               const float* rstd, float* dx, i64 rows, int c) {
    __shared__ float scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* dyr = dy + r * c;
        const float* xr = x + r * c;
        float m = mean ? mean[r] : 0.f, s = rstd[r];
        float sg = 0.f, sgn = 0.f;
        for (int i = threadIdx.x; i < c; i += blockDim.x) {
            float g = dyr[i] * w[i];
            sg += g;
            sgn += g * (xr[i] - m) * s;
        }
        sg = block_sum(sg, scratch) / c;
        sgn = block_sum(sgn, scratch) / c;
        if (!mean) sg = 0.f;
        for (int i = threadIdx.x; i < c; i += blockDim.x) {
            float g = dyr[i] * w[i], n = (xr[i] - m) * s;
            dx[r * c + i] = s * (g - sg - n * sgn);
        }
    }
}

// dw[j] = sum over rows of dy n, db[j] = sum of dy (db may be null): one thread per column, rows in order.
extern "C" __global__ void norm_backward_params(const float* dy, const float* x, const float* mean, const float* rstd,
                                                float* dw, float* db, i64 rows, int c) {
    for (i64 j = global_index(); j < c; j += grid_width()) {
        double sw = 0.0, sb = 0.0;
        for (i64 r = 0; r < rows; r++) {
            float d = dy[r * c + j], n = (x[r * c + j] - (mean ? mean[r] : 0.f)) * rstd[r];
            sw += (double) (d * n);
            sb += d;
        }
        dw[j] = (float) sw;
        if (db) db[j] = (float) sb;
    }
}
