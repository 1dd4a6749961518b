package cortado.tensor;

/** The conformance suite on the off-heap CPU backend. */
class OffHeapBackendConformanceTest extends BackendConformance {
    @Override protected Backend backend() { return Backends.offHeap(); }
}
