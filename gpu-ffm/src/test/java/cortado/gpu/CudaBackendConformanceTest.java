package cortado.gpu;

import cortado.tensor.Backend;
import cortado.tensor.BackendConformance;

/**
 * The backend conformance suite (PyTorch goldens, every operation, views, edge sizes) on the CUDA backend; skipped
 * with the probe's reason where there is no device.
 */
@RequiresCuda
class CudaBackendConformanceTest extends BackendConformance {
    @Override protected Backend backend() { return CudaBackend.instance(); }
}
