package cortado.data.dataset;

import java.util.Locale;

/**
 * Token shard layouts. Tokens are little-endian unsigned integers of {@link #bytesPerToken(int) 2 or 4 bytes}.
 *
 * <ul>
 *   <li>{@link #NANOGPT}: nanoGPT's raw {@code train.bin}: tokens only, no header (numpy
 *       {@code np.memmap(f, dtype=np.uint16)}). Vocabularies over 65536 ids use uint32; the reader must be told the
 *       width, which {@code report.json} records as {@code "dtype"}.</li>
 *   <li>{@link #LLMC}: llm.c's headered {@code .bin}: 256 little-endian int32s, then the tokens. Header[0] is the magic,
 *       [1] the version, [2] the token count. GPT-2-sized vocabularies use magic 20240520, version 1, uint16 tokens;
 *       vocabularies over 65536 ids use llm.c's Llama-3 variant, magic 20240801, version 7, uint32 tokens
 *       (dev/data/data_common.py, HEADERS_INFO), so the width is self-describing.</li>
 * </ul>
 */
public enum ShardFormat {
    NANOGPT, LLMC;

    public static final int LLMC_HEADER_INTS = 256;
    public static final int LLMC_MAGIC_U16 = 20240520;
    public static final int LLMC_VERSION_U16 = 1;
    public static final int LLMC_MAGIC_U32 = 20240801;
    public static final int LLMC_VERSION_U32 = 7;

    /** 2 when every id of a {@code vocabSize}-token vocabulary fits in uint16, else 4. */
    public static int bytesPerToken(int vocabSize) { return vocabSize <= 65536 ? 2 : 4; }

    public int headerBytes() { return this == LLMC ? 4 * LLMC_HEADER_INTS : 0; }

    public static ShardFormat parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "nanogpt", "raw" -> NANOGPT;
            case "llmc", "llm.c" -> LLMC;
            default -> throw new IllegalArgumentException("unknown shard format '" + s + "' (nanogpt, llmc)");
        };
    }
}
