package cortado.nn.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one way Cortado writes an output file: into a temporary file in the same directory, then renamed over the target,
 * so a crash or a full disk never leaves a half-written file under the target's name.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of the temporary file it is given. */
    @FunctionalInterface
    public interface Content { void writeTo(Path tmp) throws IOException; }

    /** Writes {@code target} atomically with {@code content}; the temporary file is removed if anything fails. */
    public static void write(Path target, Content content) throws IOException {
        Path tmp = tempFor(target);
        try {
            content.writeTo(tmp);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code bytes} to {@code target} atomically; a failure is a {@link CheckpointException} naming it. */
    public static void write(Path target, byte[] bytes) {
        try {
            write(target, tmp -> Files.write(tmp, bytes));
        } catch (IOException e) {
            throw CheckpointException.at(target, "cannot write: " + e.getMessage(), e);
        }
    }

    /** A fresh temporary file next to {@code target} (same file system, so the rename is atomic). */
    public static Path tempFor(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        // createTempFile makes the file private (0600); an output is an ordinary file others may read.
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) { }
        return tmp;
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system allows. */
    public static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
