// One CUDA grid emulated on the host: 256 std::threads run its blocks one after another (blockIdx per thread),
// __syncthreads is a block barrier, __shared__ is static, a warp shuffle goes through slots between warp barriers.
#include <barrier>
#include <cstring>
#include <math.h>
#include <memory>
#include <thread>
#include <vector>
#define __global__
#define __device__ static
#define __forceinline__ inline
#define __shared__ static
struct Dim3 { unsigned x, y, z; };
static const int BLOCK = 256, WARPS = BLOCK / 32;
static Dim3 blockDim = {BLOCK, 1, 1}, gridDim = {1, 1, 1};
static thread_local Dim3 threadIdx_tls = {0, 0, 0}, blockIdx_tls = {0, 0, 0};
#define threadIdx threadIdx_tls
#define blockIdx blockIdx_tls
static std::barrier<>* g_block;
static std::barrier<>* g_warp[WARPS];
static float g_smem[1 << 16];
static inline void __syncthreads() { g_block->arrive_and_wait(); }
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(unsigned int i) { float f; memcpy(&f, &i, 4); return f; }
template <class T> static T* shuffle_slots() { static T s[BLOCK]; return s; }
template <class T> static inline T __shfl_down_sync(unsigned, T v, int o) {
    T* s = shuffle_slots<T>();
    int t = threadIdx.x, lane = t & 31;
    std::barrier<>* w = g_warp[t >> 5];
    s[t] = v;
    w->arrive_and_wait();
    T r = lane + o < 32 ? s[t + o] : v;
    w->arrive_and_wait();
    return r;
}
template <class F> static void run_grid(unsigned grid, F f) {
    std::barrier<> block(BLOCK);
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    for (int i = 0; i < WARPS; i++) {
        warps.emplace_back(new std::barrier<>(32));
        g_warp[i] = warps.back().get();
    }
    g_block = &block;
    gridDim.x = grid;
    std::vector<std::thread> ts;
    for (int t = 0; t < BLOCK; t++)
        ts.emplace_back([t, grid, &f] {
            threadIdx_tls.x = t;
            for (unsigned b = 0; b < grid; b++) {
                blockIdx_tls.x = b;
                f();
                __syncthreads();
            }
        });
    for (auto& t : ts) t.join();
}
