// Reductions. Sums accumulate in double (the CPU's pairwise float sums and these then agree to ~1e-7 relative);
// every order of additions is fixed by the sizes alone, so results repeat run to run.
#include "common.cuh"

// Sum (op 0) or max (op 1) along the middle axis of a contiguous [outer, r, inner] array: one thread per output.
extern "C" __global__ void reduce_axis(int op, const float* in, float* out, i64 outer, i64 r, i64 inner) {
    for (i64 o = global_index(); o < outer * inner; o += grid_width()) {
        i64 i = o / inner, j = o % inner;
        const float* p = in + i * r * inner + j;
        if (op == 0) {
            double s = 0.0;
            for (i64 k = 0; k < r; k++) s += p[k * inner];
            out[o] = (float) s;
        } else {
            float m = -CORTADO_INF;
            for (i64 k = 0; k < r; k++) {
                float v = p[k * inner];
                m = (v > m || v != v) ? v : m;   // NaN wins, as torch.max
            }
            out[o] = m;
        }
    }
}

// Partial sums (of squares when squares != 0) of a contiguous array: block b writes partial[b]; the host adds the
// partials in block order.
extern "C" __global__ void sum_partials(const float* in, i64 n, int squares, double* partial) {
    __shared__ double scratch[32];
    double s = 0.0;
    for (i64 i = global_index(); i < n; i += grid_width()) {
        double v = in[i];
        s += squares ? v * v : v;
    }
    s = block_sum_d(s, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}
