// Optimizer steps on contiguous tensors of n elements, each fused into one pass and in the order of its CPU kernel
// (cortado.tensor.cpu.AdamWKernel, SgdKernel, LionKernel, LambKernel, AdafactorKernel); the gradient is read as grad * gradScale.
#include "common.cuh"

// One fused AdamW step (Loshchilov & Hutter 2019) in torch.optim.AdamW's order, as cortado.tensor.cpu.AdamWKernel:
// p *= 1 - lr wd; m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2; p -= stepSize m / (sqrt(v) / bc2Sqrt + eps),
// with g = grad * gradScale, stepSize = lr / (1 - b1^t), bc2Sqrt = sqrt(1 - b2^t) computed on the host.
extern "C" __global__ void adamw(float* p, const float* grad, float* m, float* v, i64 n, float decay, float beta1,
                                 float beta2, float eps, float stepSize, float bc2Sqrt, float gradScale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        float g = grad[i] * gradScale;
        float mi = m[i] + (1.f - beta1) * (g - m[i]);
        float vi = v[i] * beta2 + g * g * (1.f - beta2);
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bc2Sqrt + eps;
        p[i] = p[i] * decay - stepSize * (mi / denom);
    }
}

// torch.optim.SGD: g += wd p; b = g on the first step, else momentum b + (1 - dampening) g (buf null: no momentum);
// direction g + momentum b with Nesterov, else b; p -= lr direction. keep = 1 - dampening.
extern "C" __global__ void sgd(float* p, const float* grad, float* buf, i64 n, float lr, float momentum, float keep,
                               float weightDecay, int nesterov, int firstStep, float gradScale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        float pi = p[i], g = grad[i] * gradScale;
        if (weightDecay != 0.f) g = g + weightDecay * pi;
        if (buf) {
            float b = firstStep ? g : buf[i] * momentum + keep * g;
            buf[i] = b;
            g = nesterov ? g + momentum * b : b;
        }
        p[i] = pi - lr * g;
    }
}

// timm.optim.Lion (Chen et al. 2023): p *= 1 - lr wd; c = b1 m + (1 - b1) g; p -= lr sign(c) (sign(0) = 0, NaN stays);
// m = b2 m + (1 - b2) g.
extern "C" __global__ void lion(float* p, const float* grad, float* m, i64 n, float lr, float beta1, float beta2,
                                float decay, float gradScale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        float g = grad[i] * gradScale, mi = m[i];
        float c = mi * beta1 + g * (1.f - beta1);
        float s = (c == 0.f || c != c) ? c : copysignf(1.f, c);
        p[i] = p[i] * decay + s * -lr;
        m[i] = mi * beta2 + g * (1.f - beta2);
    }
}

// LAMB's per-element half (You et al. 2020; timm.optim.Lamb): m = b1 m + beta3 g; v = b2 v + (1 - b2) g^2;
// update = (m / bc1) / (sqrt(v) / bc2Sqrt + eps) + wd p. The trust ratio is applied by the caller.
extern "C" __global__ void lamb(const float* p, const float* grad, float* m, float* v, float* update, i64 n,
                                float beta1, float beta3, float beta2, float eps, float weightDecay, float bc1,
                                float bc2Sqrt, float gradScale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        float g = grad[i] * gradScale;
        float mi = m[i] * beta1 + beta3 * g;
        float vi = v[i] * beta2 + (1.f - beta2) * (g * g);
        m[i] = mi;
        v[i] = vi;
        float u = (mi / bc1) / (sqrtf(vi) / bc2Sqrt + eps);
        if (weightDecay != 0.f) u = u + weightDecay * p[i];
        update[i] = u;
    }
}

// Adafactor (Shazeer & Stern 2018; transformers' _approx_sq_grad): each matrix's mean row moment, summed in float in
// row order as torch's mean over a short row; one thread per matrix.
extern "C" __global__ void adafactor_row_mean(const float* row, float* mean, int matrices, int rows) {
    for (i64 b = global_index(); b < matrices; b += grid_width()) {
        float s = 0.f;
        for (int i = 0; i < rows; i++) s += row[b * rows + i];
        mean[b] = s / rows;
    }
}

// update = rsqrt(row / mean(row)) * rsqrt(col) * g over matrices x rows x cols.
extern "C" __global__ void adafactor_factored(const float* grad, const float* row, const float* col,
                                              const float* rowMean, float* update, int matrices, int rows, int cols,
                                              float gradScale) {
    i64 n = (i64) matrices * rows * cols;
    for (i64 e = global_index(); e < n; e += grid_width()) {
        i64 br = e / cols;
        int b = (int) (br / rows), j = (int) (e % cols);
        float rf = 1.f / sqrtf(row[br] / rowMean[b]);
        float cf = 1.f / sqrtf(col[(i64) b * cols + j]);
        update[e] = (rf * cf) * (grad[e] * gradScale);
    }
}

// v = beta2t v + (1 - beta2t)(g^2 + eps1), update = rsqrt(v) g.
extern "C" __global__ void adafactor_unfactored(const float* grad, float* v, float* update, i64 n, float beta2t,
                                                float eps1, float gradScale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        float g = grad[i] * gradScale;
        float vi = v[i] * beta2t + (g * g + eps1) * (1.f - beta2t);
        v[i] = vi;
        update[i] = (1.f / sqrtf(vi)) * g;
    }
}
