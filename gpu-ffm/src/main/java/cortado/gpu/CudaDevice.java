package cortado.gpu;

import cortado.gpu.ffm.CudaDriver;
import cortado.gpu.ffm.CudaRuntime;
import cortado.gpu.ffm.Cublas;
import cortado.gpu.ffm.LibraryLocator;
import cortado.gpu.ffm.Nvrtc;
import cortado.gpu.kernels.KernelCompiler;
import java.lang.foreign.MemorySegment;

/**
 * One CUDA device as the backend uses it: the libraries bound, its primary context (shared with the runtime API and
 * cuBLAS), one stream on which every copy, kernel and GEMM is queued in order, a cuBLAS handle on that stream, the
 * caching allocator, the pinned staging buffer and the compiled kernel modules.
 */
final class CudaDevice {
    final CudaDriver driver;
    final CudaRuntime runtime;
    final Cublas cublas;
    final int ordinal, sm, multiprocessors;
    final String name;
    final MemorySegment context, stream, cublasHandle;
    private final DeviceMemory memory;
    private final KernelModules kernels;
    private final PinnedStaging staging;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    private CudaDevice(LibraryLocator locator, int ordinal) {
        driver = CudaDriver.load(locator);
        driver.check("cuInit", driver.initStatus());
        runtime = CudaRuntime.load(locator);
        cublas = Cublas.load(locator);
        Nvrtc nvrtc = Nvrtc.load(locator);
        this.ordinal = ordinal;
        int dev = driver.device(ordinal);
        sm = 10 * driver.attribute(dev, CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR)
                + driver.attribute(dev, CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR);
        multiprocessors = driver.attribute(dev, CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
        name = driver.deviceName(dev);
        runtime.setDevice(ordinal);
        context = driver.primaryContext(dev);
        makeCurrent();
        stream = runtime.createStream();
        cublasHandle = cublas.createHandle();
        cublas.setStream(cublasHandle, stream);
        cublas.setMathMode(cublasHandle, Cublas.DEFAULT_MATH); // fp32 GEMMs stay fp32 (no TF32) unless asked
        memory = new DeviceMemory(new DeviceMemory.Raw() {
            @Override public long mallocOrZero(long bytes) {
                makeCurrent();
                return runtime.mallocOrZero(bytes);
            }

            @Override public void free(long pointer) {
                makeCurrent();
                runtime.free(pointer);
            }
        });
        kernels = new KernelModules(this, new KernelCompiler(nvrtc, KernelCompiler.defaultCacheDir()));
        staging = new PinnedStaging(this, 16L << 20);
    }

    static CudaDevice open(LibraryLocator locator, int ordinal) { return new CudaDevice(locator, ordinal); }

    /** Makes the primary context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (current.get()) return;
        driver.setCurrent(context);
        current.set(true);
    }

    DeviceMemory memory() { return memory; }

    KernelModules kernels() { return kernels; }

    PinnedStaging staging() { return staging; }

    /** Waits for all queued work; errors of earlier asynchronous launches surface here, naming {@code after}. */
    void synchronize(String after) {
        makeCurrent();
        runtime.synchronize(stream, after);
    }

    @Override public String toString() { return name + " (sm_" + sm + ", device " + ordinal + ")"; }
}
