package cortado.gpu.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.gpu.kernels.KernelSignature.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernel parameter kinds are read from the sources, for the check every launch makes against its arguments. */
class KernelSignatureTest {
    @Test
    void everyKernelOfEveryFileHasParametersTheLauncherCanPass() {
        int kernels = 0;
        for (String file : KernelSource.FILES) {
            List<KernelSignature> all = KernelSignature.all(KernelSource.load(file).text());
            assertThat(all).as(file).isNotEmpty();
            assertThat(all).as(file + " kernel names").extracting(KernelSignature::name)
                    .containsExactlyElementsOf(KernelsCompileTest.entries(KernelSource.load(file).text()));
            kernels += all.size();
        }
        assertThat(kernels).isGreaterThanOrEqualTo(17);
    }

    @Test
    void theElementwiseKernelTakesItsGeometryByValue() {
        KernelSignature s = KernelSignature.of(KernelSource.load("elementwise.cu").text(), "elementwise");
        assertThat(s.params()).containsExactly(Kind.I32, Kind.I64, Kind.GEOMETRY, Kind.POINTER, Kind.POINTER,
                Kind.POINTER, Kind.F32, Kind.F32);
        KernelSignature a = KernelSignature.of(KernelSource.load("optimizers.cu").text(), "adamw");
        assertThat(a.params()).containsExactly(Kind.POINTER, Kind.POINTER, Kind.POINTER, Kind.POINTER, Kind.I64,
                Kind.F32, Kind.F32, Kind.F32, Kind.F32, Kind.F32, Kind.F32, Kind.F32);
    }

    @Test
    void aTypeTheLauncherCannotPassIsRefused() {
        assertThatThrownBy(() -> KernelSignature.all("extern \"C\" __global__ void k(double x, float* y) {}"))
                .hasMessageContaining("kernel k: parameter 'double x'");
        assertThatThrownBy(() -> KernelSignature.of("extern \"C\" __global__ void k(int n) {}", "other"))
                .hasMessageContaining("no extern \"C\" __global__ kernel other");
    }
}
