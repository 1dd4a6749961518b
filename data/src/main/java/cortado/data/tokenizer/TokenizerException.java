package cortado.data.tokenizer;

/**
 * A tokenizer file that cannot be used: malformed JSON, a vocabulary line that does not parse, a merge naming an
 * unknown token. The message names the file and, where there is one, the line.
 */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) { super(message); }

    public TokenizerException(String message, Throwable cause) { super(message, cause); }

    static TokenizerException at(String file, int line, String problem) {
        return new TokenizerException(file + ":" + line + ": " + problem);
    }

    static TokenizerException in(String file, String problem) {
        return new TokenizerException(file + ": " + problem);
    }
}
