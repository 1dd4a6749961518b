package cortado.gpu.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cortado.gpu.CudaProbe;
import org.junit.jupiter.api.Test;

/**
 * The runtime binding against a real libcudart where one is installed but no driver or device is (CI machines with
 * a CUDA toolkit, this development machine): the downcalls work, and a failing call becomes a {@link CudaException}
 * naming the call and the runtime's own status name and text.
 */
class CudaRuntimeWithoutDriverTest {
    @Test
    void aFailingCallNamesTheCallAndTheStatus() {
        assumeTrue(!CudaProbe.probe().available(), "a CUDA device is present: this test is for machines without one");
        CudaRuntime rt;
        try {
            rt = CudaRuntime.load(new LibraryLocator());
        } catch (LibraryLocator.NotFound e) {
            assumeTrue(false, "no libcudart here: " + e.getMessage());
            return;
        }
        assertThat(rt.runtimeVersion()).isGreaterThanOrEqualTo(11000);
        assertThat(rt.statusText(2)).startsWith("cudaErrorMemoryAllocation");
        assertThatThrownBy(rt::deviceCount).isInstanceOf(CudaException.class)
                .hasMessageStartingWith("cudaGetDeviceCount: status ")
                .hasMessageMatching("(?s).*cudaError\\w+ \\(.+\\).*")
                .satisfies(e -> assertThat(((CudaException) e).call()).isEqualTo("cudaGetDeviceCount"));
    }
}
