// A host-memory stand-in for libcuda, libcudart and libcublas (tools/gpu/fake_cuda/build.py): device pointers are
// host pointers, copies are memcpy, a launch runs the kernel's host build block after block on 256 std::threads.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
typedef void (*Launcher)(void** params, unsigned grid, unsigned block, unsigned shared);
struct Entry { const char* name; Launcher fn; };
extern Entry FAKE_KERNELS[];
extern "C" {
static const char* NAME = "CUDA_ERROR_FAKE";
int cuGetErrorName(int, const char** p) { *p = NAME; return 0; }
int cuGetErrorString(int, const char** p) { *p = "host emulation"; return 0; }
int cuInit(unsigned) { return 0; }
int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
int cuDeviceGetCount(int* c) { *c = 1; return 0; }
int cuDeviceGet(int* d, int o) { *d = o; return 0; }
int cuDeviceGetName(char* n, int len, int) { snprintf(n, len, "fake CUDA device (host emulation)"); return 0; }
int cuDeviceGetAttribute(int* v, int attr, int) { *v = attr == 75 ? 9 : attr == 76 ? 0 : attr == 16 ? 1 : 0; return 0; }
int cuDeviceTotalMem_v2(size_t* b, int) { *b = 8ull << 30; return 0; }
int cuDevicePrimaryCtxRetain(void** c, int) { *c = (void*) 0x1; return 0; }
int cuCtxSetCurrent(void*) { return 0; }
int cuModuleLoadData(void** m, const void*) { *m = (void*) 0x2; return 0; }
int cuModuleGetFunction(void** f, void*, const char* name) {
    for (Entry* e = FAKE_KERNELS; e->name; e++) if (!strcmp(e->name, name)) { *f = (void*) e->fn; return 0; }
    return 500; // CUDA_ERROR_NOT_FOUND
}
int cuLaunchKernel(void* f, unsigned gx, unsigned, unsigned, unsigned bx, unsigned, unsigned, unsigned shared, void*,
                   void** params, void**) {
    ((Launcher) f)(params, gx, bx, shared);
    return 0;
}
const char* cudaGetErrorName(int) { return "cudaErrorFake"; }
const char* cudaGetErrorString(int) { return "host emulation"; }
int cudaRuntimeGetVersion(int* v) { *v = 13000; return 0; }
int cudaGetDeviceCount(int* c) { *c = 1; return 0; }
int cudaSetDevice(int) { return 0; }
int cudaMalloc(void** p, size_t n) { *p = aligned_alloc(256, (n + 255) / 256 * 256); return *p ? 0 : 2; }
int cudaFree(void* p) { free(p); return 0; }
int cudaMallocHost(void** p, size_t n) { *p = malloc(n); return *p ? 0 : 2; }
int cudaFreeHost(void* p) { free(p); return 0; }
int cudaMemcpyAsync(void* d, const void* s, size_t n, int, void*) { memcpy(d, s, n); return 0; }
int cudaMemsetAsync(void* d, int v, size_t n, void*) { memset(d, v, n); return 0; }
int cudaStreamCreateWithFlags(void** s, unsigned) { *s = (void*) 0x3; return 0; }
int cudaStreamSynchronize(void*) { return 0; }
int cudaMemGetInfo(size_t* f, size_t* t) { *f = 8ull << 30; *t = 8ull << 30; return 0; }
const char* cublasGetStatusString(int) { return "CUBLAS_STATUS_FAKE"; }
int cublasCreate_v2(void** h) { *h = (void*) 0x4; return 0; }
int cublasSetStream_v2(void*, void*) { return 0; }
int cublasSetMathMode(void*, int) { return 0; }
// column-major C[m, n] = alpha op(A) op(B) + beta C, as cuBLAS defines it
static void sgemm1(int ta, int tb, int m, int n, int k, float alpha, const float* A, int lda, const float* B, int ldb,
                   float beta, float* Cm, int ldc) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int l = 0; l < k; l++)
                s += (double) (ta ? A[l + (long) i * lda] : A[i + (long) l * lda]) * (tb ? B[j + (long) l * ldb] : B[l + (long) j * ldb]);
            float* c = &Cm[i + (long) j * ldc];
            *c = (float) (alpha * s + (beta == 0.f ? 0.0 : (double) beta * *c));
        }
}
int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* Cm, int ldc) {
    sgemm1(ta, tb, m, n, k, *alpha, A, lda, B, ldb, *beta, Cm, ldc);
    return 0;
}
int cublasSgemmStridedBatched(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                              long long sA, const float* B, int ldb, long long sB, const float* beta, float* Cm, int ldc,
                              long long sC, int batch) {
    for (int b = 0; b < batch; b++) sgemm1(ta, tb, m, n, k, *alpha, A + b * sA, lda, B + b * sB, ldb, *beta, Cm + b * sC, ldc);
    return 0;
}
int cublasGemmEx(void*, int, int, int, int, int, const void*, const void*, int, int, const void*, int, int, const void*,
                 void*, int, int, int, int) { return 15; } // CUBLAS_STATUS_NOT_SUPPORTED: not emulated
}
