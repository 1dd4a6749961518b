package cortado.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.gpu.ffm.LibraryLocator;
import cortado.tensor.Backends;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe answers without throwing, and the backend is found by name through ServiceLoader. */
class CudaProbeTest {
    @Test
    void withoutADriverTheProbeSaysSoInOneLine(@TempDir Path empty) {
        // a locator that sees only an empty folder and no environment still falls back to the loader's search, so
        // this runs the real probe: on a machine with a driver it may succeed, never throw
        CudaProbe p = CudaProbe.probe(LibraryLocator.of(Map.of("cortado.cuda.libs", empty.toString()), Map.of()));
        if (!p.available()) {
            assertThat(p.reason()).isNotBlank().doesNotContain("\n");
            assertThat(p.reason()).containsAnyOf("no CUDA driver", "cuInit", "no device", "not found", "failed");
        } else {
            assertThat(p.device()).isNotBlank();
        }
    }

    @Test
    void backendsNamedCudaFindsTheProviderAndExplainsWhenItCannotRun() {
        CudaProbe p = CudaProbe.probe();
        if (p.available()) {
            assertThat(Backends.named("cuda").name()).isEqualTo("cuda");
        } else {
            try {
                Backends.named("cuda");
                throw new AssertionError("Backends.named(\"cuda\") returned without a device");
            } catch (IllegalStateException e) {
                assertThat(e.getMessage()).startsWith("backend 'cuda' cannot run here: ").contains(p.reason());
            }
        }
    }
}
