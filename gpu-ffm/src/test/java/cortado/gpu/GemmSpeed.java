package cortado.gpu;

import cortado.gpu.ffm.Cublas;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GEMM throughput on the device at n x n x n (the device check's 8192^3): the backend's fp32 matmulInto (cuBLAS SGEMM,
 * TF32 off), and cublasGemmEx with TF32 and with bf16 inputs and output (fp32 accumulation) on raw device buffers.
 * Each figure is the median of timed runs after warm-up, each run synchronized; TFLOP/s = 2 n^3 / seconds / 1e12.
 * PyTorch's side is {@code bench/compare/gemm_vs_torch.py}, run in the same device check.
 */
final class GemmSpeed {
    private GemmSpeed() {}

    static Map<String, Double> measure(CudaBackend backend, int n, int warmup, int runs) {
        Map<String, Double> out = new LinkedHashMap<>();
        CudaDevice dev = backend.device();
        Tensor a = backend.full(1f / 64, n, n), b = backend.full(1f / 64, n, n), c = backend.zeros(n, n);
        out.put("fp32", tflops(n, time(dev, warmup, runs, () -> backend.matmulInto(c, a, b, false, false, false))));
        long bytes32 = 4L * n * n;
        long x = dev.memory().allocate(bytes32), y = dev.memory().allocate(bytes32), z = dev.memory().allocate(bytes32);
        try {
            dev.makeCurrent();
            dev.runtime.memsetAsync(x, 0x3c, bytes32, dev.stream); // bf16 0x3c3c ~ 0.0115, fp32 ~ 0.0115
            dev.runtime.memsetAsync(y, 0x3c, bytes32, dev.stream);
            out.put("tf32", tflops(n, time(dev, warmup, runs, () -> dev.cublas.gemmEx(dev.cublasHandle, Cublas.OP_N,
                    Cublas.OP_N, n, n, n, 1f, x, Cublas.R_32F, n, y, Cublas.R_32F, n, 0f, z, Cublas.R_32F, n,
                    Cublas.COMPUTE_32F_FAST_TF32))));
            out.put("bf16", tflops(n, time(dev, warmup, runs, () -> dev.cublas.gemmEx(dev.cublasHandle, Cublas.OP_N,
                    Cublas.OP_N, n, n, n, 1f, x, Cublas.R_16BF, n, y, Cublas.R_16BF, n, 0f, z, Cublas.R_16BF, n,
                    Cublas.COMPUTE_32F))));
        } finally {
            dev.synchronize("the GEMM timings");
            long size = DeviceMemory.sizeClass(bytes32);
            dev.memory().give(x, size);
            dev.memory().give(y, size);
            dev.memory().give(z, size);
        }
        return out;
    }

    private static double time(CudaDevice dev, int warmup, int runs, Runnable gemm) {
        for (int i = 0; i < warmup; i++) gemm.run();
        dev.synchronize("GEMM warm-up");
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            gemm.run();
            dev.synchronize("a timed GEMM");
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }

    private static double tflops(int n, double seconds) { return 2.0 * n * n * (double) n / seconds / 1e12; }
}
