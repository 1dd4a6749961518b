package cortado.gpu.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * The CUDA runtime API (libcudart) through downcalls: device memory, pinned host memory, asynchronous copies and
 * fills, streams. Device pointers are plain {@code long} addresses. Every status is checked ({@link CudaException}).
 */
public final class CudaRuntime {
    public static final List<String> FILES = List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so");

    /** cudaError_t values the backend tells apart. */
    public static final int SUCCESS = 0, ERROR_MEMORY_ALLOCATION = 2;

    /** cudaMemcpyKind. */
    public static final int HOST_TO_DEVICE = 1, DEVICE_TO_HOST = 2, DEVICE_TO_DEVICE = 3;

    private final NativeLibrary lib;
    // const char* cudaGetErrorName(cudaError_t error);
    private final MethodHandle getErrorName;
    // const char* cudaGetErrorString(cudaError_t error);
    private final MethodHandle getErrorString;
    // cudaError_t cudaRuntimeGetVersion(int* runtimeVersion);
    private final MethodHandle runtimeGetVersion;
    // cudaError_t cudaGetDeviceCount(int* count);
    private final MethodHandle getDeviceCount;
    // cudaError_t cudaSetDevice(int device);
    private final MethodHandle setDevice;
    // cudaError_t cudaMalloc(void** devPtr, size_t size);
    private final MethodHandle malloc;
    // cudaError_t cudaFree(void* devPtr);
    private final MethodHandle free;
    // cudaError_t cudaMallocHost(void** ptr, size_t size);
    private final MethodHandle mallocHost;
    // cudaError_t cudaFreeHost(void* ptr);
    private final MethodHandle freeHost;
    // cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind, cudaStream_t stream);
    private final MethodHandle memcpyAsync;
    // cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream);
    private final MethodHandle memsetAsync;
    // cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags);
    private final MethodHandle streamCreateWithFlags;
    // cudaError_t cudaStreamSynchronize(cudaStream_t stream);
    private final MethodHandle streamSynchronize;
    // cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
    private final MethodHandle memGetInfo;

    public CudaRuntime(NativeLibrary lib) {
        this.lib = lib;
        getErrorName = lib.function("cudaGetErrorName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        getErrorString = lib.function("cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        runtimeGetVersion = lib.function("cudaRuntimeGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getDeviceCount = lib.function("cudaGetDeviceCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setDevice = lib.function("cudaSetDevice", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        malloc = lib.function("cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        free = lib.function("cudaFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        mallocHost = lib.function("cudaMallocHost", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        freeHost = lib.function("cudaFreeHost", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        memcpyAsync = lib.function("cudaMemcpyAsync",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        memsetAsync = lib.function("cudaMemsetAsync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
        streamCreateWithFlags = lib.function("cudaStreamCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        streamSynchronize = lib.function("cudaStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        memGetInfo = lib.function("cudaMemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    public static CudaRuntime load(LibraryLocator locator) { return new CudaRuntime(locator.load("CUDA runtime", FILES)); }

    public NativeLibrary library() { return lib; }

    /** e.g. 13000 for 13.0. */
    public int runtimeVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cudaRuntimeGetVersion", (int) runtimeGetVersion.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cudaGetDeviceCount", (int) getDeviceCount.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void setDevice(int ordinal) {
        try {
            check("cudaSetDevice", (int) setDevice.invokeExact(ordinal));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** cudaMalloc: the device address, or 0 when the device is out of memory (every other failure throws). */
    public long mallocOrZero(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            int status = (int) malloc.invokeExact(v, bytes);
            if (status == ERROR_MEMORY_ALLOCATION) return 0;
            check("cudaMalloc(" + bytes + " bytes)", status);
            return v.get(ADDRESS, 0).address();
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void free(long devicePointer) {
        try {
            check("cudaFree", (int) free.invokeExact(MemorySegment.ofAddress(devicePointer)));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** Page-locked host memory of {@code bytes} (fast and asynchronous copies), as a segment; free with freeHost. */
    public MemorySegment mallocHost(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cudaMallocHost(" + bytes + " bytes)", (int) mallocHost.invokeExact(v, bytes));
            return v.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void freeHost(MemorySegment pinned) {
        try {
            check("cudaFreeHost", (int) freeHost.invokeExact(pinned));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** cudaMemcpyAsync between addresses (device pointers or host segments' addresses). */
    public void memcpyAsync(long dst, long src, long bytes, int kind, MemorySegment stream) {
        if (bytes == 0) return;
        try {
            check("cudaMemcpyAsync(" + bytes + " bytes, kind " + kind + ")", (int) memcpyAsync.invokeExact(
                    MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes, kind, stream));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public void memsetAsync(long dst, int value, long bytes, MemorySegment stream) {
        if (bytes == 0) return;
        try {
            check("cudaMemsetAsync(" + bytes + " bytes)", (int) memsetAsync.invokeExact(MemorySegment.ofAddress(dst),
                    value, bytes, stream));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** A non-blocking stream (flag cudaStreamNonBlocking = 1: no implicit sync with the legacy default stream). */
    public MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cudaStreamCreateWithFlags", (int) streamCreateWithFlags.invokeExact(v, 1));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** Waits for the stream; an error raised by an earlier asynchronous kernel surfaces here. */
    public void synchronize(MemorySegment stream, String after) {
        try {
            check("cudaStreamSynchronize (after " + after + ")", (int) streamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** {free, total} bytes of device memory. */
    public long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = a.allocate(JAVA_LONG), t = a.allocate(JAVA_LONG);
            check("cudaMemGetInfo", (int) memGetInfo.invokeExact(f, t));
            return new long[] {f.get(JAVA_LONG, 0), t.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    public String statusText(int status) {
        try {
            String n = ((MemorySegment) getErrorName.invokeExact(status)).reinterpret(256).getString(0);
            String s = ((MemorySegment) getErrorString.invokeExact(status)).reinterpret(1024).getString(0);
            return n + " (" + s + ")";
        } catch (Throwable t) {
            return "(cudaGetErrorName failed: " + t + ")";
        }
    }

    public void check(String call, int status) {
        if (status != SUCCESS) throw new CudaException(call, status, statusText(status));
    }
}
