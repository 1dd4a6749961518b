// Rotary position embedding (Su et al. 2021), rotate-half layout as Hugging Face's Llama and
// cortado.tensor.cpu.RopeKernel: for i < D/2 the pair (x[i], x[i + D/2]) of row r = ((b H) + h) T + t is rotated by the
// angle of positions[b T + t], whose cos and sin are row p of the [P, D/2] tables; sign -1 is the inverse (backward).
#include "common.cuh"

extern "C" __global__ void rope(const float* x, float* y, const int* positions, const float* cos_table,
                                const float* sin_table, i64 rows, int heads, int steps, int half, float sign) {
    for (i64 e = global_index(); e < rows * half; e += grid_width()) {
        i64 r = e / half;
        int i = (int) (e % half);
        i64 step = r % steps, batch = r / ((i64) heads * steps);
        i64 p = positions[batch * steps + step];
        const float* xr = x + r * 2 * half;
        float* yr = y + r * 2 * half;
        float x1 = xr[i], x2 = xr[i + half], cs = cos_table[p * half + i], sn = sign * sin_table[p * half + i];
        yr[i] = x1 * cs - x2 * sn;
        yr[i + half] = x2 * cs + x1 * sn;
    }
}
