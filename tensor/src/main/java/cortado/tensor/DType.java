package cortado.tensor;

/**
 * Element types Cortado reads and writes. Compute is float32; the others are storage formats converted on load or save
 * (safetensors names in {@link #safetensorsName()}).
 */
public enum DType {
    F32("F32", 4), F16("F16", 2), BF16("BF16", 2), F64("F64", 8),
    I64("I64", 8), I32("I32", 4), I16("I16", 2), I8("I8", 1), U8("U8", 1), BOOL("BOOL", 1);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    public String safetensorsName() { return safetensorsName; }

    public int byteSize() { return byteSize; }

    /** The dtype with this safetensors name, or null when the name is unknown. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) if (t.safetensorsName.equals(name)) return t;
        return null;
    }

    /** IEEE half to float (exact). */
    public static float f16ToF32(short h) { return Float.float16ToFloat(h); }

    /** float to IEEE half, round to nearest even. */
    public static short f32ToF16(float f) { return Float.floatToFloat16(f); }

    /** bfloat16 is the top 16 bits of a float32. */
    public static float bf16ToF32(short b) { return Float.intBitsToFloat((b & 0xffff) << 16); }

    /** float to bfloat16 with round-to-nearest-even, as torch does; NaN stays NaN. */
    public static short f32ToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
