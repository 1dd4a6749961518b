package cortado.data.tokenizer;

/**
 * The pre-tokenization patterns of the well-known byte-level BPE vocabularies, in the Rust syntax tiktoken and HF use.
 * tiktoken's current patterns for gpt2 and cl100k_base are rewrites of the originals (possessive quantifiers,
 * {@code \s++$}) that it states are equivalent and faster; we keep tiktoken's text so parity is checked against it.
 * For GPT-2 the two forms do split identically (checked on random text); for cl100k they differ at the end of a
 * text, see {@link #LLAMA3}.
 */
public final class SplitPatterns {
    private SplitPatterns() {}

    /** GPT-2, r50k_base, p50k_base (tiktoken's form). */
    public static final String GPT2 =
            "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";

    /** GPT-2's pattern as released in encoder.py and as HF's ByteLevel pre-tokenizer uses it. */
    public static final String GPT2_ORIGINAL =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** cl100k_base (GPT-3.5/4), tiktoken's form. */
    public static final String CL100K =
            "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+"
                    + "|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";

    /** o200k_base (GPT-4o). */
    public static final String O200K = String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+");

    /**
     * Llama 3 (its tokenizer.json Split pre-tokenizer), which is cl100k's original form. It is not quite tiktoken's
     * rewrite: whitespace after the last newline at the very end of a text is a separate piece here (see
     * {@link Cl100kPreTokenizer}).
     */
    public static final String LLAMA3 =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The pattern for a named encoding, as tiktoken chooses it; null when the name is not known. */
    public static String forEncoding(String name) {
        return switch (name) {
            case "gpt2", "r50k_base", "p50k_base", "p50k_edit" -> GPT2;
            case "cl100k_base" -> CL100K;
            case "o200k_base" -> O200K;
            case "llama3" -> LLAMA3;
            default -> null;
        };
    }
}
