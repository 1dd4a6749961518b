package cortado.nn.io;

import java.nio.file.Path;

/**
 * A checkpoint that cannot be read or written: a truncated or corrupt safetensors file, a config that does not fit its
 * weights, a missing file. The message names the file and the problem in one line, so the CLI can print it as
 * {@code error: <message>} without a stack trace.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }

    public CheckpointException(String message, Throwable cause) { super(message, cause); }

    /** "{@code <file>: <problem>}". */
    public static CheckpointException at(Path file, String problem) {
        return new CheckpointException(file + ": " + problem);
    }

    public static CheckpointException at(Path file, String problem, Throwable cause) {
        return new CheckpointException(file + ": " + problem, cause);
    }
}
