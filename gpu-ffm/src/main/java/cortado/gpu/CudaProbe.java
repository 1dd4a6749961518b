package cortado.gpu;

import cortado.gpu.ffm.CudaDriver;
import cortado.gpu.ffm.CudaRuntime;
import cortado.gpu.ffm.Cublas;
import cortado.gpu.ffm.LibraryLocator;
import cortado.gpu.ffm.Nvrtc;

/**
 * Whether the CUDA backend can run here, found without throwing: the driver library, a device, and the runtime,
 * cuBLAS and NVRTC libraries. {@code available} false comes with a one-line reason ("no CUDA driver: libcuda.so.1 not
 * found ...", "cuInit: status 100 CUDA_ERROR_NO_DEVICE ...").
 */
public record CudaProbe(boolean available, String reason, String device) {

    /** Looks with the default {@link LibraryLocator}. */
    public static CudaProbe probe() { return probe(new LibraryLocator()); }

    public static CudaProbe probe(LibraryLocator locator) {
        try {
            CudaDriver driver;
            try {
                driver = CudaDriver.load(locator);
            } catch (LibraryLocator.NotFound e) {
                return no("no CUDA driver: " + e.getMessage());
            }
            int init = driver.initStatus();
            if (init != CudaDriver.CUDA_SUCCESS)
                return no("cuInit: status " + init + " " + driver.statusText(init));
            int count = driver.deviceCount();
            if (count == 0) return no("the CUDA driver sees no device");
            int dev = driver.device(0);
            String name = driver.deviceName(dev) + " (sm_" + driver.attribute(dev, CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR)
                    + driver.attribute(dev, CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR) + ", driver "
                    + driver.driverVersion() + ")";
            try {
                CudaRuntime.load(locator);
                Cublas.load(locator);
                Nvrtc.load(locator);
            } catch (LibraryLocator.NotFound e) {
                return new CudaProbe(false, "device " + name + " found, but " + e.getMessage(), name);
            }
            return new CudaProbe(true, null, name);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return no("probing CUDA failed: " + e);
        }
    }

    private static CudaProbe no(String reason) { return new CudaProbe(false, reason, null); }
}
