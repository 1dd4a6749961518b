package cortado.tests.backend;

import cortado.tensor.Backend;
import cortado.tensor.BackendConformance;

/** The backend conformance suite on {@link MirrorBackend}, a backend with storage of its own that copies on transfers. */
class MirrorBackendConformanceTest extends BackendConformance {
    @Override protected Backend backend() { return MirrorBackend.INSTANCE; }
}
