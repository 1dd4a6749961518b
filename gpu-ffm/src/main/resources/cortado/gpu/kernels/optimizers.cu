// Optimizer steps on contiguous tensors of n elements, each fused into one pass and in the order of its CPU kernel
// (cortado.tensor.cpu.AdamWKernel, SgdKernel, LionKernel); the gradient is read as grad * gradScale.
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
