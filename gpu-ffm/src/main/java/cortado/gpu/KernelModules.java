package cortado.gpu;

import cortado.gpu.kernels.KernelCompiler;
import cortado.gpu.kernels.KernelSignature;
import cortado.gpu.kernels.KernelSource;
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
    private final Map<String, Function> functions = new HashMap<>();

    /** A loaded kernel: its CUfunction and the parameter kinds its source declares (checked at every launch). */
    record Function(MemorySegment handle, KernelSignature signature) {}

    KernelModules(CudaDevice device, KernelCompiler compiler) {
        this.device = device;
        this.compiler = compiler;
    }

    /** Kernel {@code name} of kernel file {@code file}. */
    synchronized Function function(String file, String name) {
        String key = file + "#" + name;
        Function f = functions.get(key);
        if (f != null) return f;
        device.makeCurrent();
        MemorySegment module = modules.get(file);
        if (module == null) {
            KernelCompiler.Image image = compiler.compile(file, device.sm);
            module = device.driver.loadModule(image.bytes(), file + (image.cubin() ? " cubin" : " PTX") + " for sm_" + image.sm());
            modules.put(file, module);
        }
        f = new Function(device.driver.function(module, name), KernelSignature.of(KernelSource.load(file).text(), name));
        functions.put(key, f);
        return f;
    }
}
