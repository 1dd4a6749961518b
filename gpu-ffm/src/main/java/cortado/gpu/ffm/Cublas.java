package cortado.gpu.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * cuBLAS (libcublas) through downcalls: column-major GEMMs on device pointers. Scalars (alpha, beta) are passed by
 * host pointer (the default pointer mode). Every status is checked ({@link CudaException}).
 */
public final class Cublas {
    public static final List<String> FILES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so");

    /** cublasOperation_t. */
    public static final int OP_N = 0, OP_T = 1;
    /** cublasMath_t: CUBLAS_DEFAULT_MATH (fp32 stays fp32), CUBLAS_TF32_TENSOR_OP_MATH. */
    public static final int DEFAULT_MATH = 0, TF32_TENSOR_OP_MATH = 3;
    /** cudaDataType_t. */
    public static final int R_32F = 0, R_16F = 2, R_16BF = 14;
    /** cublasComputeType_t. */
    public static final int COMPUTE_32F = 68, COMPUTE_32F_FAST_TF32 = 77;
    /** cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT. */
    public static final int GEMM_DEFAULT = -1;

    private final NativeLibrary lib;
    // const char* cublasGetStatusString(cublasStatus_t status);   (cuBLAS >= 11.4.2)
    private final MethodHandle getStatusString;
    // cublasStatus_t cublasCreate_v2(cublasHandle_t* handle);
    private final MethodHandle create;
    // cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId);
    private final MethodHandle setStream;
    // cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode);
    private final MethodHandle setMathMode;
    // cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //                               int m, int n, int k, const float* alpha, const float* A, int lda,
    //                               const float* B, int ldb, const float* beta, float* C, int ldc);
    private final MethodHandle sgemm;
    // cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
    //                               cublasOperation_t transb, int m, int n, int k, const float* alpha,
    //                               const float* A, int lda, long long strideA, const float* B, int ldb,
    //                               long long strideB, const float* beta, float* C, int ldc, long long strideC,
    //                               int batchCount);
    private final MethodHandle sgemmStridedBatched;
    // cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
    //                             int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda,
    //                             const void* B, cudaDataType Btype, int ldb, const void* beta, void* C,
    //                             cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo);
    private final MethodHandle gemmEx;

    public Cublas(NativeLibrary lib) {
        this.lib = lib;
        getStatusString = lib.has("cublasGetStatusString")
                ? lib.function("cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT)) : null;
        create = lib.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = lib.function("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = lib.function("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        sgemm = lib.function("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        sgemmStridedBatched = lib.function("cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT,
                JAVA_LONG, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_INT));
        gemmEx = lib.function("cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    public static Cublas load(LibraryLocator locator) { return new Cublas(locator.load("cuBLAS", FILES)); }

    public NativeLibrary library() { return lib; }

    /** A new cuBLAS handle for the current device. */
    public MemorySegment createHandle() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cublasCreate_v2", (int) create.invokeExact(v));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check("cublasSetStream_v2", (int) setStream.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void setMathMode(MemorySegment handle, int mode) {
        try {
            check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, mode));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** Column-major C[m, n] = alpha op(A) op(B) + beta C on device pointers. */
    public void sgemm(MemorySegment handle, int opA, int opB, int m, int n, int k, float alpha, long a, int lda, long b,
                      int ldb, float beta, long c, int ldc) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSgemm_v2(m=" + m + ", n=" + n + ", k=" + k + ")", (int) sgemm.invokeExact(handle, opA, opB, m, n,
                    k, ar.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), lda, MemorySegment.ofAddress(b),
                    ldb, ar.allocateFrom(JAVA_FLOAT, beta), MemorySegment.ofAddress(c), ldc));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** {@link #sgemm} over {@code batch} matrices {@code strideX} elements apart (a stride of 0 shares one). */
    public void sgemmStridedBatched(MemorySegment handle, int opA, int opB, int m, int n, int k, float alpha, long a,
                                    int lda, long strideA, long b, int ldb, long strideB, float beta, long c, int ldc,
                                    long strideC, int batch) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasSgemmStridedBatched(m=" + m + ", n=" + n + ", k=" + k + ", batch=" + batch + ")",
                    (int) sgemmStridedBatched.invokeExact(handle, opA, opB, m, n, k, ar.allocateFrom(JAVA_FLOAT, alpha),
                            MemorySegment.ofAddress(a), lda, strideA, MemorySegment.ofAddress(b), ldb, strideB,
                            ar.allocateFrom(JAVA_FLOAT, beta), MemorySegment.ofAddress(c), ldc, strideC, batch));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** cublasGemmEx with fp32 alpha/beta (compute types COMPUTE_32F or COMPUTE_32F_FAST_TF32). */
    public void gemmEx(MemorySegment handle, int opA, int opB, int m, int n, int k, float alpha, long a, int aType,
                       int lda, long b, int bType, int ldb, float beta, long c, int cType, int ldc, int computeType) {
        try (Arena ar = Arena.ofConfined()) {
            check("cublasGemmEx(m=" + m + ", n=" + n + ", k=" + k + ")", (int) gemmEx.invokeExact(handle, opA, opB, m, n,
                    k, ar.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), aType, lda,
                    MemorySegment.ofAddress(b), bType, ldb, ar.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), cType, ldc, computeType, GEMM_DEFAULT));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** cuBLAS's name for a status (its own text when the library has cublasGetStatusString). */
    public String statusText(int status) {
        if (getStatusString != null) {
            try {
                return ((MemorySegment) getStatusString.invokeExact(status)).reinterpret(256).getString(0);
            } catch (Throwable t) {
                // fall back to the table below
            }
        }
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "unknown cublasStatus_t";
        };
    }

    public void check(String call, int status) {
        if (status != 0) throw new CudaException(call, status, statusText(status));
    }
}
