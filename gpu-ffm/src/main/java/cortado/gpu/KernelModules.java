package cortado.gpu;

import cortado.gpu.kernels.KernelCompiler;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel files of one device, each compiled (or read from the disk cache) for the device's compute capability at
 * its first use and loaded with cuModuleLoadData; functions are looked up once by name.
 */
final class KernelModules {
    private final CudaDevice device;
    private final KernelCompiler compiler;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();

    KernelModules(CudaDevice device, KernelCompiler compiler) {
        this.device = device;
        this.compiler = compiler;
    }

    /** The CUfunction {@code name} of kernel file {@code file}. */
    synchronized MemorySegment function(String file, String name) {
        String key = file + "#" + name;
        MemorySegment f = functions.get(key);
        if (f != null) return f;
        device.makeCurrent();
        MemorySegment module = modules.get(file);
        if (module == null) {
            KernelCompiler.Image image = compiler.compile(file, device.sm);
            module = device.driver.loadModule(image.bytes(), file + (image.cubin() ? " cubin" : " PTX") + " for sm_" + image.sm());
            modules.put(file, module);
        }
        f = device.driver.function(module, name);
        functions.put(key, f);
        return f;
    }
}
