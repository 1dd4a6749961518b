package cortado.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Backends by name: the two CPU backends always, others only through a BackendProvider on the class path. */
class BackendsTest {
    @Test
    void theCpuBackendsByNameAndAnUnknownNameListsWhatIsKnown() {
        assertThat(Backends.named("cpu")).isSameAs(Backends.cpu());
        assertThat(Backends.named("offheap")).isSameAs(Backends.offHeap());
        // the tensor module's tests have no provider on their class path (gpu-ffm's CudaProbeTest checks "cuda")
        assertThatThrownBy(() -> Backends.named("tpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown backend 'tpu' (known: cpu, offheap)");
    }
}
