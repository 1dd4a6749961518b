// One fused AdamW step (Loshchilov & Hutter 2019) in torch.optim.AdamW's order, as cortado.tensor.cpu.AdamWKernel:
// p *= 1 - lr wd; m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2; p -= stepSize m / (sqrt(v) / bc2Sqrt + eps),
// with g = grad * gradScale, stepSize = lr / (1 - b1^t), bc2Sqrt = sqrt(1 - b2^t) computed on the host.
#include "common.cuh"

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
