package cortado.nn.io;

import cortado.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The element types a safetensors header may name, with their byte size and the conversion to float32 that loading
 * performs (Cortado computes in float32). Covers every dtype Hugging Face checkpoints use, including the two float8
 * formats; the sub-byte F4/F6 formats are recognised only to be refused with a clear message.
 */
public enum SafetensorsDtype {
    F64(8, DType.F64), F32(4, DType.F32), F16(2, DType.F16), BF16(2, DType.BF16),
    F8_E4M3(1, null), F8_E5M2(1, null),
    I64(8, DType.I64), I32(4, DType.I32), I16(2, DType.I16), I8(1, DType.I8),
    U64(8, null), U32(4, null), U16(2, null), U8(1, DType.U8), BOOL(1, DType.BOOL);

    /** Names in the safetensors specification that this reader does not convert (packed sub-byte floats). */
    static final java.util.Set<String> UNSUPPORTED = java.util.Set.of("F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "C64");

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int byteSize;
    private final DType dtype;

    SafetensorsDtype(int byteSize, DType dtype) {
        this.byteSize = byteSize;
        this.dtype = dtype;
    }

    public int byteSize() { return byteSize; }

    /** The matching Cortado {@link DType}, or null for formats Cortado only reads (float8, unsigned 16..64 bit). */
    public DType dtype() { return dtype; }

    /** The safetensors dtype written for a Cortado {@link DType}. */
    public static SafetensorsDtype of(DType t) { return valueOf(t.safetensorsName()); }

    /** The dtype with this header name, or null when the name is not one this reader converts. */
    public static SafetensorsDtype fromName(String name) {
        for (SafetensorsDtype t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /**
     * Converts {@code n} little-endian elements starting at byte {@code offset} of {@code src} to float32 in
     * {@code dst[0..n)}. Integers above 2^24 round to the nearest float, as {@code tensor.float()} does.
     */
    public void toFloats(MemorySegment src, long offset, float[] dst, int n) { toFloats(src, offset, dst, 0, n); }

    /** As {@link #toFloats(MemorySegment, long, float[], int)}, into {@code dst[dstOff .. dstOff + n)}. */
    public void toFloats(MemorySegment src, long offset, float[] dst, int dstOff, int n) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, F32_LE, offset, dst, dstOff, n);
            case F64 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = (float) src.get(F64_LE, offset + 8L * i); }
            case F16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = DType.f16ToF32(src.get(I16_LE, offset + 2L * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = DType.bf16ToF32(src.get(I16_LE, offset + 2L * i)); }
            case F8_E4M3 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = e4m3ToF32(src.get(ValueLayout.JAVA_BYTE, offset + i)); }
            // E5M2 is IEEE half with the low 8 mantissa bits dropped.
            case F8_E5M2 -> { for (int i = 0; i < n; i++)
                dst[dstOff + i] = DType.f16ToF32((short) (src.get(ValueLayout.JAVA_BYTE, offset + i) << 8)); }
            case I64 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = (float) src.get(I64_LE, offset + 8L * i); }
            case U64 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = unsignedLongToFloat(src.get(I64_LE, offset + 8L * i)); }
            case I32 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = (float) src.get(I32_LE, offset + 4L * i); }
            case U32 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = (float) Integer.toUnsignedLong(src.get(I32_LE, offset + 4L * i)); }
            case I16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(I16_LE, offset + 2L * i); }
            case U16 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(I16_LE, offset + 2L * i) & 0xffff; }
            case I8 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, offset + i); }
            case U8 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) dst[dstOff + i] = src.get(ValueLayout.JAVA_BYTE, offset + i) != 0 ? 1f : 0f; }
        }
    }

    /**
     * Converts {@code n} floats from {@code src[srcOff..)} to this dtype, little-endian, at byte {@code offset} of
     * {@code dst}. Only the floating formats Cortado writes: F32, F16 and BF16 (round to nearest even), F64.
     */
    public void fromFloats(float[] src, int srcOff, MemorySegment dst, long offset, int n) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, srcOff, dst, F32_LE, offset, n);
            case F64 -> { for (int i = 0; i < n; i++) dst.set(F64_LE, offset + 8L * i, src[srcOff + i]); }
            case F16 -> { for (int i = 0; i < n; i++) dst.set(I16_LE, offset + 2L * i, DType.f32ToF16(src[srcOff + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) dst.set(I16_LE, offset + 2L * i, DType.f32ToBf16(src[srcOff + i])); }
            default -> throw new IllegalArgumentException("Cortado writes F32, F16, BF16 or F64, not " + this);
        }
    }

    /**
     * float8 E4M3 "fn" (torch.float8_e4m3fn): bias 7, no infinities, S.1111.111 is NaN, exponent 0 is subnormal
     * (mantissa/8 * 2^-6). Micikevicius et al., "FP8 Formats for Deep Learning" (2022).
     */
    static float e4m3ToF32(byte b) {
        int sign = (b & 0x80) != 0 ? -1 : 1;
        int exp = (b >>> 3) & 0xf;
        int man = b & 0x7;
        if (exp == 0xf && man == 0x7) return Float.NaN;
        if (exp == 0) return sign * Math.scalb(man / 8f, -6);
        return sign * Math.scalb(1f + man / 8f, exp - 7);
    }

    private static float unsignedLongToFloat(long v) {
        if (v >= 0) return (float) v;
        return (float) ((v >>> 1) | (v & 1)) * 2f; // keep the sticky bit so rounding matches
    }
}
