package cortado.serve.rag;

import java.nio.file.Path;

/** A RAG index file that cannot be read as written: the message names the file and what is wrong. */
public final class IndexFileException extends RuntimeException {
    public IndexFileException(Path file, String problem) { super(file + ": " + problem); }

    public IndexFileException(Path file, String problem, Throwable cause) { super(file + ": " + problem, cause); }
}
