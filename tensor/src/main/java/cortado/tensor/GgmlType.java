package cortado.tensor;

/**
 * The ggml tensor types a GGUF file may hold that Cortado reads, with ggml's type ids ({@code enum ggml_type}) and
 * block geometry: a row of {@code cols} values is {@code cols / blockValues} blocks of {@code blockBytes} bytes each
 * (ggml-common.h: block_q8_0 = fp16 d + 32 int8; block_q4_0 = fp16 d + 16 bytes of nibbles; block_q5_0 = fp16 d + 4 bytes of fifth bits + 16 bytes of nibbles,
 * block_q5_1 = the same with an fp16 m after d; block_q4_K = fp16 d,
 * fp16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles; block_q5_K = the same with 32 bytes of fifth
 * bits before the nibbles; block_q6_K = 128 bytes low nibbles, 64 bytes
 * high 2-bit pairs, 16 int8 scales, fp16 d). F32, F16 and BF16 are "blocks" of one value.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    /** ggml's numeric type id, as a GGUF tensor record stores it. */
    public final int id;
    /** Values per block. */
    public final int blockValues;
    /** Bytes per block. */
    public final int blockBytes;

    GgmlType(int id, int blockValues, int blockBytes) {
        this.id = id;
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
    }

    /** The type with ggml id {@code id}, or null when Cortado does not read it. */
    public static GgmlType ofId(long id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    /** Whether values are stored in blocks with scales (not a plain float type). */
    public boolean blockQuantized() { return blockValues > 1; }

    /** Bytes of {@code n} values ({@code n} a multiple of {@link #blockValues}); -1 when it is not one. */
    public long bytesOf(long n) {
        if (n < 0 || n % blockValues != 0) return -1;
        return Math.multiplyHigh(n / blockValues, blockBytes) != 0 ? -1 : n / blockValues * blockBytes;
    }

    /** ggml's lowercase name (ggml_type_name): f32, f16, q4_0, q5_0, q5_1, q8_0, q4_K, q5_K, q6_K, bf16. */
    public String ggmlName() {
        return switch (this) {
            case Q4_K -> "q4_K";
            case Q5_K -> "q5_K";
            case Q6_K -> "q6_K";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
