package cortado.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one atomic-write helper: a finished write replaces the target, a failed one leaves it and no temporary file. */
class AtomicFilesTest {
    @Test
    void replacesTheTargetOnlyWhenTheContentIsComplete(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("out.txt");
        AtomicFiles.write(f, "first".getBytes());
        AtomicFiles.write(f, tmp -> Files.writeString(tmp, "second"));
        assertThat(Files.readString(f)).isEqualTo("second");
        assertThatThrownBy(() -> AtomicFiles.write(f, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(f)).isEqualTo("second");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("out.txt");
        }
    }

    @Test
    void createsMissingDirectoriesAndNamesTheFileOnFailure(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a/b/c.json");
        AtomicFiles.write(f, "{}".getBytes());
        assertThat(Files.readString(f)).isEqualTo("{}");
        Files.createDirectories(dir.resolve("blocked"));
        Path blocked = dir.resolve("blocked");   // a directory where a file should go
        Files.writeString(blocked.resolve("inside"), "x");
        assertThatThrownBy(() -> AtomicFiles.write(blocked, "y".getBytes())).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("blocked");
    }
}
