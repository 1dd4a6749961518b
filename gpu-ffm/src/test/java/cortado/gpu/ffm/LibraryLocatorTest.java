package cortado.gpu.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CUDA libraries are looked for, in which order, and what a miss says. */
class LibraryLocatorTest {
    @Test
    void explicitFoldersThenPythonWheelsThenCudaHomeThenLdLibraryPath(@TempDir Path root) throws IOException {
        Path explicit = Files.createDirectories(root.resolve("explicit"));
        Path venv = root.resolve("venv");
        Path wheelLib = Files.createDirectories(venv.resolve("lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib"));
        Path cu13 = Files.createDirectories(venv.resolve("lib/python3.11/site-packages/nvidia/cu13/lib"));
        Files.createDirectories(venv.resolve("bin"));
        Path home = Files.createDirectories(root.resolve("cuda/lib64"));
        Path ld = Files.createDirectories(root.resolve("ld"));
        LibraryLocator l = LibraryLocator.of(
                Map.of("cortado.cuda.libs", explicit.toString(), "cortado.cuda.python", venv.resolve("bin/python").toString()),
                Map.of("CUDA_HOME", root.resolve("cuda").toString(), "LD_LIBRARY_PATH", ld + ":" + root.resolve("missing")));
        List<Path> dirs = l.searchFolders();
        assertThat(dirs.subList(0, 5)).containsExactly(explicit, cu13, wheelLib, home, ld);
        assertThat(dirs).doesNotContain(root.resolve("missing"));
    }

    @Test
    void theInteropVenvsWheelsAreSearchedToo(@TempDir Path root) throws IOException {
        Path lib = Files.createDirectories(root.resolve("lib/python3.12/site-packages/nvidia/cu13/lib"));
        LibraryLocator l = LibraryLocator.of(Map.of(), Map.of("CORTADO_INTEROP_PYTHON", root.resolve("bin/python").toString()));
        assertThat(l.searchFolders()).first().isEqualTo(lib);
    }

    @Test
    void aMissingLibraryNamesTheFilesAndFoldersTried(@TempDir Path empty) {
        LibraryLocator l = LibraryLocator.of(Map.of("cortado.cuda.libs", empty.toString()), Map.of());
        assertThatThrownBy(() -> l.load("cuBLAS", List.of("libcublas-does-not-exist.so.99")))
                .isInstanceOf(LibraryLocator.NotFound.class)
                .hasMessageContaining("cuBLAS not found")
                .hasMessageContaining("libcublas-does-not-exist.so.99")
                .hasMessageContaining(empty.toString())
                .hasMessageContaining("CUDA_HOME");
    }

    @Test
    void newerVersionsSortFirst() {
        assertThat(LibraryLocator.versionKey("cuda-13.0")).isGreaterThan(LibraryLocator.versionKey("cuda-12.8"));
        assertThat(LibraryLocator.versionKey("python3.12")).isGreaterThan(LibraryLocator.versionKey("python3.9"));
    }
}
