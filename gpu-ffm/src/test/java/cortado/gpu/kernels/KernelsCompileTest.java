package cortado.gpu.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.gpu.ffm.Nvrtc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kernel file compiles through NVRTC for Ampere (sm_80) and Hopper (sm_90), without a GPU, so a syntax error
 * never waits for a device; each cubin holds every {@code extern "C" __global__} entry of its source by its C name
 * (the name cuModuleGetFunction looks up).
 */
class KernelsCompileTest {
    private static final Pattern ENTRY = Pattern.compile("extern \"C\" __global__ void (\\w+)\\s*\\(");

    static Stream<Arguments> filesAndArchitectures() {
        List<Arguments> out = new ArrayList<>();
        for (String f : KernelSource.FILES) for (int sm : new int[] {80, 90}) out.add(Arguments.of(f, sm));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} for sm_{1}")
    @MethodSource("filesAndArchitectures")
    void compilesToACubinWithEveryEntry(String file, int sm) {
        KernelCompiler compiler = new KernelCompiler(NvrtcAvailable.get(), null);
        KernelCompiler.Image image = compiler.compile(file, sm);
        assertThat(image.cubin()).as("NVRTC " + compiler.nvrtcVersion() + " makes a cubin for sm_" + sm).isTrue();
        assertThat(image.sm()).isEqualTo(sm);
        byte[] b = image.bytes();
        assertThat(new String(b, 0, 4, StandardCharsets.ISO_8859_1)).as("ELF magic").isEqualTo("\u007fELF");
        String symbols = new String(b, StandardCharsets.ISO_8859_1);
        List<String> entries = entries(KernelSource.load(file).text());
        assertThat(entries).as(file + " declares kernels").isNotEmpty();
        for (String e : entries) assertThat(symbols).as(file + " cubin has entry " + e).contains(e + "\0");
    }

    @Test
    void everyKernelFileInTheResourcesIsListed() throws IOException {
        Path dir = Path.of("src/main/resources/cortado/gpu/kernels");
        List<String> onDisk;
        try (Stream<Path> s = Files.list(dir)) {
            onDisk = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().toList();
        }
        assertThat(KernelSource.FILES).containsExactlyInAnyOrderElementsOf(onDisk);
    }

    @Test
    void aSyntaxErrorFailsWithNvrtcsLogNamingTheLine() {
        Nvrtc nvrtc = NvrtcAvailable.get();
        String bad = "#include \"common.cuh\"\nextern \"C\" __global__ void broken(float* x) {\n  x[0] = undefined_name;\n}\n";
        assertThatThrownBy(() -> nvrtc.compile(bad, "broken.cu", KernelSource.headers(), KernelCompiler.options("sm_90"), true))
                .isInstanceOf(Nvrtc.CompileError.class)
                .hasMessageContaining("broken.cu(3)")
                .hasMessageContaining("undefined_name");
    }

    @Test
    void secondCompileComesFromTheDiskCacheWithTheSameBytes(@TempDir Path cache) throws IOException {
        Nvrtc nvrtc = NvrtcAvailable.get();
        KernelCompiler.Image first = new KernelCompiler(nvrtc, cache).compile("optimizers.cu", 90);
        KernelCompiler.Image second = new KernelCompiler(nvrtc, cache).compile("optimizers.cu", 90);
        assertThat(first.fromCache()).isFalse();
        assertThat(second.fromCache()).isTrue();
        assertThat(second.bytes()).isEqualTo(first.bytes());
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).singleElement().asString()
                    .startsWith("optimizers-sm_90-").endsWith(".cubin");
        }
    }

    @Test
    void ptxForAnArchitectureNvrtcHasNoCubinFor() {
        // an imaginary sm_91 falls back to PTX for sm_90, which the driver would compile
        KernelCompiler.Image image = new KernelCompiler(NvrtcAvailable.get(), null).compile("softmax.cu", 91);
        assertThat(image.cubin()).isFalse();
        assertThat(image.sm()).isEqualTo(90);
        String ptx = new String(image.bytes(), StandardCharsets.US_ASCII);
        assertThat(ptx).contains(".target sm_90").contains(".entry softmax_forward").endsWith("\0");
    }

    static List<String> entries(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = ENTRY.matcher(source);
        while (m.find()) out.add(m.group(1));
        return out;
    }

}
