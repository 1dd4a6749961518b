package cortado.gpu;

import cortado.tensor.Backend;
import cortado.tensor.BackendProvider;

/** Offers the CUDA backend to {@code Backends.named("cuda")} (listed in META-INF/services). */
public final class CudaBackendProvider implements BackendProvider {
    @Override public String name() { return "cuda"; }

    @Override public String unavailableReason() {
        CudaProbe p = CudaProbe.probe();
        return p.available() ? null : p.reason();
    }

    @Override public Backend backend() { return CudaBackend.instance(); }
}
