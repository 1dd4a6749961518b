package cortado.nn.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes that never leave a half-written file under the target name: temp file in the same directory, then rename. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** A fresh temporary file next to {@code target} (same file system, so the rename is atomic). */
    static Path tempFor(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        // createTempFile makes the file private (0600); a checkpoint is an ordinary file others may read.
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) { }
        return tmp;
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system allows. */
    static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void write(Path target, byte[] bytes) {
        Path tmp = null;
        try {
            tmp = tempFor(target);
            Files.write(tmp, bytes);
            move(tmp, target);
        } catch (IOException e) {
            throw CheckpointException.at(target, "cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { }
        }
    }
}
