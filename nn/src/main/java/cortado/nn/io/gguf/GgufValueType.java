package cortado.nn.io.gguf;

/** The value types of GGUF metadata ({@code enum gguf_type} in ggml's gguf.h), with their ids and byte sizes. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    /** A uint64 byte length, then UTF-8 bytes (no terminator). */
    STRING(8, 8),
    /** A uint32 element type, a uint64 count, then the elements. */
    ARRAY(9, 12),
    UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Bytes of a value of this type; for STRING and ARRAY, the least (their length fields). */
    public final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The type with id {@code id}, or null. */
    public static GgufValueType ofId(long id) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        return null;
    }
}
