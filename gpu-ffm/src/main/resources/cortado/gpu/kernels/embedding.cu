// Embedding lookup and its gradient (ids checked on the host before launch).
#include "common.cuh"

// out[i, :] = w[ids[i], :] for contiguous w [V, c] and out [n, c].
extern "C" __global__ void embedding_forward(const float* w, const int* ids, float* out, i64 n, i64 c) {
    for (i64 e = global_index(); e < n * c; e += grid_width()) {
        i64 i = e / c, j = e % c;
        out[e] = w[(i64) ids[i] * c + j];
    }
}

// dw[ids[i], :] += dy[i, :]: one thread per column adds the rows in order, so a repeated id sums without atomics and
// in the same order every run.
extern "C" __global__ void embedding_backward(float* dw, const float* dy, const int* ids, i64 n, i64 c) {
    for (i64 j = global_index(); j < c; j += grid_width())
        for (i64 i = 0; i < n; i++) dw[(i64) ids[i] * c + j] += dy[i * c + j];
}
