package cortado.tests.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing above the tensor module is tied to the CPU: the main sources of autograd, nn, quant, peft, train, eval, serve and cli pass
 * {@link DeviceNeutralSourceScan} (a failure lists each file and line with what to use instead). The scan itself is
 * checked on planted violations, so a rule that stopped matching would show.
 */
class DeviceNeutralModulesTest {
    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("tensor/src/main/java"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"autograd", "nn", "quant", "peft", "train", "eval", "serve", "cli"})
    void mainSourcesAreDeviceNeutral(String module) {
        Path src = repositoryRoot().resolve(module).resolve("src/main/java");
        assertThat(src).isDirectory();
        List<DeviceNeutralSourceScan.Violation> found = DeviceNeutralSourceScan.scanTree(src);
        assertThat(found.isEmpty()).withFailMessage("%s is tied to the CPU:%n%s", module,
                found.stream().map(Object::toString).collect(Collectors.joining("\n"))).isTrue();
    }

    @Test
    void everyRuleCatchesAPlantedViolationWithItsLine() {
        String planted = """
                package cortado.nn;

                import cortado.tensor.cpu.quant.QuantMatmul;
                import static cortado.tensor.cpu.Sgemm.sgemm;
                import cortado.tensor.CpuStorage;

                final class Planted {
                    float first(cortado.tensor.Tensor t) { return t.data()[t.offset()]; }
                    Object bytes(cortado.tensor.Tensor t) { return t.storage().segment(); }
                    Object make() { return cortado.tensor.Tensor.zeros(3); }
                    Object wrap(float[] a) { return Tensor.of(a, a.length); }
                    Object one() { return Tensor . scalar(1f); }
                    Object full() { return Tensor.full(2f, 4); }
                    Object kernel() { return new cortado.tensor.cpu.CpuBackend(); }
                }
                """;
        List<DeviceNeutralSourceScan.Violation> v = DeviceNeutralSourceScan.scan(Path.of("Planted.java"), planted);
        assertThat(v).extracting(DeviceNeutralSourceScan.Violation::line)
                .containsExactly(3, 4, 5, 8, 9, 10, 11, 12, 13, 14);
        assertThat(v.get(0).toString()).startsWith("Planted.java:3: imports cortado.tensor.cpu")
                .contains("import cortado.tensor.cpu.quant.QuantMatmul;");
        assertThat(v.get(3).why()).contains("data()");
        assertThat(v.get(9).why()).contains("uses cortado.tensor.cpu");
    }

    @Test
    void commentsStringsAndLookalikesAreNotViolations() {
        String clean = """
                package cortado.nn;

                /** Unlike Tensor.zeros(3) or t.data(), this goes through cortado.tensor.cpu's Backend. */
                final class Clean {
                    // CpuStorage is never touched: Tensor.of(a) would be
                    String help = "reads t.data() from cortado.tensor.cpu.Sgemm";
                    char quote = '"';
                    String after = "Tensor.scalar(1f)";
                    Object ok(cortado.tensor.Tensor t) { return t.backend().zeros(3); }
                    Object alsoOk(MyTensor t) { return t.metadata(); }
                    String block = \"""
                        Tensor.full(1f, 2) and import cortado.tensor.cpu.X
                        \""";
                }
                """;
        assertThat(DeviceNeutralSourceScan.scan(Path.of("Clean.java"), clean)).isEmpty();
    }
}
