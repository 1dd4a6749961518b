// Every elementwise operation of the backend in one kernel: out = f(a, b) over an output shape, where out, a and b
// each have their own element strides (0 along a broadcast dimension), so broadcasting, transposed and strided views
// need no copies. The formulas are those of the CPU kernels (cortado.tensor.cpu.Elementwise, Activations,
// GeluErfKernel).
#include "common.cuh"

struct Geometry {
    i64 shape[CORTADO_MAX_RANK];
    i64 out[CORTADO_MAX_RANK];
    i64 a[CORTADO_MAX_RANK];
    i64 b[CORTADO_MAX_RANK];
    int rank;
};

// Must match cortado.gpu.Elementwise.Op's ordinals.
enum Op {
    COPY, FILL, ADD, SUB, MUL, DIV, AFFINE, AXPY, EXP, LOG, TANH, SIGMOID,
    GELU, GELU_BACKWARD, GELU_ERF, GELU_ERF_BACKWARD, SILU, SILU_BACKWARD
};

#define GELU_K 0.7978845608028654f   // sqrt(2 / pi)
#define GELU_C 0.044715f
#define INV_SQRT2 0.7071067811865476f
#define INV_SQRT_2PI 0.3989422804014327f

__device__ __forceinline__ float sigmoid(float x) { return 1.f / (1.f + expf(-x)); }

__device__ __forceinline__ float apply(int op, float x, float y, float p0, float p1) {
    switch (op) {
        case COPY: return x;
        case FILL: return p0;
        case ADD: return x + y;
        case SUB: return x - y;
        case MUL: return x * y;
        case DIV: return x / y;
        case AFFINE: return x * p0 + p1;
        case AXPY: return fmaf(p0, x, y);            // y is the destination's old value
        case EXP: return expf(x);
        case LOG: return logf(x);
        case TANH: return tanhf(x);
        case SIGMOID: return sigmoid(x);
        case GELU: {                                // GPT-2's gelu_new: 0.5 x (1 + tanh(k (x + c x^3)))
            float u = GELU_K * (x + GELU_C * x * x * x);
            return 0.5f * x * (1.f + tanhf(u));
        }
        case GELU_BACKWARD: {                       // x is dy, y is the input
            float v = y, u = GELU_K * (v + GELU_C * v * v * v), t = tanhf(u);
            float du = GELU_K * (1.f + 3.f * GELU_C * v * v);
            return x * (0.5f * (1.f + t) + 0.5f * v * (1.f - t * t) * du);
        }
        case GELU_ERF: return 0.5f * x * (1.f + erff(x * INV_SQRT2));
        case GELU_ERF_BACKWARD: {
            float v = y;
            return x * (0.5f * (1.f + erff(v * INV_SQRT2)) + v * INV_SQRT_2PI * expf(-0.5f * v * v));
        }
        case SILU: return x * sigmoid(x);
        case SILU_BACKWARD: {
            float s = sigmoid(y);
            return x * (s * (1.f + y * (1.f - s)));
        }
        default: return __int_as_float(0x7fc00000); // an unknown op shows as NaN
    }
}

extern "C" __global__ void elementwise(int op, i64 n, Geometry g, float* out, const float* a, const float* b,
                                       float p0, float p1) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        i64 rest = i, oo = 0, oa = 0, ob = 0;
        for (int d = g.rank - 1; d >= 0; d--) {
            i64 s = g.shape[d], c = rest % s;
            rest /= s;
            oo += c * g.out[d];
            oa += c * g.a[d];
            ob += c * g.b[d];
        }
        float x = a ? a[oa] : 0.f, y = b ? b[ob] : 0.f;
        out[oo] = apply(op, x, y, p0, p1);
    }
}
