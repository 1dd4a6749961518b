// Inverted dropout with cortado.tensor.cpu.DropoutKernel's mask, bit for bit: element i (row-major) is kept when
// lowbias32(lo ^ lowbias32(i + hi)) >> 8 >= threshold, lo and hi the key's halves (a counter-based generator, so no
// mask is stored and the backward is the same call on the gradient); kept elements are scaled by 1 / (1 - p).
#include "common.cuh"

// lowbias32 (Wellons): x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16.
__device__ __forceinline__ unsigned int mix(unsigned int x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    return x ^ (x >> 16);
}

// x and y contiguous, n elements.
extern "C" __global__ void dropout(const float* x, float* y, i64 n, unsigned int lo, unsigned int hi, int threshold,
                                   float scale) {
    for (i64 i = global_index(); i < n; i += grid_width()) {
        unsigned int u = mix(lo ^ mix((unsigned int) i + hi)) >> 8;
        y[i] = (int) u >= threshold ? x[i] * scale : 0.f;
    }
}
