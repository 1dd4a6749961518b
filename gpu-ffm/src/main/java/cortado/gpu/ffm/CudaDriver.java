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
 * The CUDA driver API (libcuda, installed with the NVIDIA driver) through downcalls: initialisation, devices, the
 * primary context, modules and kernel launches. Every status is checked ({@link CudaException} names the call and
 * the driver's name and text for the status).
 */
public final class CudaDriver {
    public static final List<String> FILES = List.of("libcuda.so.1", "libcuda.so");

    /** CUresult values the backend tells apart. */
    public static final int CUDA_SUCCESS = 0, CUDA_ERROR_NO_DEVICE = 100;

    /** CUdevice_attribute values. */
    public static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75, ATTR_COMPUTE_CAPABILITY_MINOR = 76,
            ATTR_MULTIPROCESSOR_COUNT = 16;

    private final NativeLibrary lib;
    // CUresult cuGetErrorName(CUresult error, const char** pStr);
    private final MethodHandle getErrorName;
    // CUresult cuGetErrorString(CUresult error, const char** pStr);
    private final MethodHandle getErrorString;
    // CUresult cuInit(unsigned int Flags);
    private final MethodHandle init;
    // CUresult cuDriverGetVersion(int* driverVersion);
    private final MethodHandle driverGetVersion;
    // CUresult cuDeviceGetCount(int* count);
    private final MethodHandle deviceGetCount;
    // CUresult cuDeviceGet(CUdevice* device, int ordinal);
    private final MethodHandle deviceGet;
    // CUresult cuDeviceGetName(char* name, int len, CUdevice dev);
    private final MethodHandle deviceGetName;
    // CUresult cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib, CUdevice dev);
    private final MethodHandle deviceGetAttribute;
    // CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev);
    private final MethodHandle deviceTotalMem;
    // CUresult cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice dev);
    private final MethodHandle primaryCtxRetain;
    // CUresult cuCtxSetCurrent(CUcontext ctx);
    private final MethodHandle ctxSetCurrent;
    // CUresult cuModuleLoadData(CUmodule* module, const void* image);
    private final MethodHandle moduleLoadData;
    // CUresult cuModuleGetFunction(CUfunction* hfunc, CUmodule hmod, const char* name);
    private final MethodHandle moduleGetFunction;
    // CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
    //                         unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
    //                         unsigned int sharedMemBytes, CUstream hStream, void** kernelParams, void** extra);
    private final MethodHandle launchKernel;

    public CudaDriver(NativeLibrary lib) {
        this.lib = lib;
        getErrorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        getErrorString = lib.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        init = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        driverGetVersion = lib.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        deviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        deviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceGetAttribute = lib.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        deviceTotalMem = lib.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        primaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        ctxSetCurrent = lib.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        moduleLoadData = lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        moduleGetFunction = lib.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        launchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    public static CudaDriver load(LibraryLocator locator) { return new CudaDriver(locator.load("CUDA driver", FILES)); }

    public NativeLibrary library() { return lib; }

    /** cuInit(0), returning its status unchecked (the probe tells "no device" from other failures). */
    public int initStatus() {
        try {
            return (int) init.invokeExact(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The driver's CUDA version, e.g. 12040 for 12.4. */
    public int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) driverGetVersion.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) deviceGetCount.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The CUdevice handle of device {@code ordinal}. */
    public int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGet", (int) deviceGet.invokeExact(v, ordinal));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            check("cuDeviceGetName", (int) deviceGetName.invokeExact(name, 256, device));
            return name.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int attribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")", (int) deviceGetAttribute.invokeExact(v, attribute, device));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) deviceTotalMem.invokeExact(v, device));
            return v.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The device's primary context (the one the runtime API and cuBLAS use), retained. */
    public MemorySegment primaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) primaryCtxRetain.invokeExact(v, device));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void setCurrent(MemorySegment context) {
        try {
            check("cuCtxSetCurrent", (int) ctxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Loads a cubin or NUL-terminated PTX image into the current context; returns the CUmodule. */
    public MemorySegment loadModule(byte[] image, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            MemorySegment img = a.allocate(image.length, 16);
            MemorySegment.copy(MemorySegment.ofArray(image), 0, img, 0, image.length);
            check("cuModuleLoadData(" + what + ")", (int) moduleLoadData.invokeExact(v, img));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The CUfunction {@code name} of a module. */
    public MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")", (int) moduleGetFunction.invokeExact(v, module, a.allocateFrom(name)));
            return v.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** cuLaunchKernel with a 1-D grid and block; {@code params} is the void*[] of pointers to each argument. */
    public void launch(String name, MemorySegment function, int grid, int block, int sharedBytes, MemorySegment stream,
                       MemorySegment params) {
        try {
            check("cuLaunchKernel(" + name + ")", (int) launchKernel.invokeExact(function, grid, 1, 1, block, 1, 1,
                    sharedBytes, stream, params, MemorySegment.NULL));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The driver's name and description of a CUresult, e.g. "CUDA_ERROR_OUT_OF_MEMORY (out of memory)". */
    public String statusText(int status) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(ADDRESS), text = a.allocate(ADDRESS);
            int r1 = (int) getErrorName.invokeExact(status, name), r2 = (int) getErrorString.invokeExact(status, text);
            String n = r1 == 0 ? name.get(ADDRESS, 0).reinterpret(256).getString(0) : "unknown CUresult";
            String s = r2 == 0 ? text.get(ADDRESS, 0).reinterpret(1024).getString(0) : "";
            return s.isEmpty() ? n : n + " (" + s + ")";
        } catch (Throwable t) {
            return "(cuGetErrorName failed: " + t + ")";
        }
    }

    public void check(String call, int status) {
        if (status != CUDA_SUCCESS) throw new CudaException(call, status, statusText(status));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
