package cortado.tensor;

/** The conformance suite on the heap CPU backend. */
class CpuBackendConformanceTest extends BackendConformance {
    @Override protected Backend backend() { return Backends.cpu(); }
}
