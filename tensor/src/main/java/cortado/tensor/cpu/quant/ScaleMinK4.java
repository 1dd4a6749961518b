package cortado.tensor.cpu.quant;

/**
 * ggml's get_scale_min_k4: the eight 6-bit scales and eight 6-bit mins that Q4_K and Q5_K super-blocks pack into 12
 * bytes (scales 0-3 in the low 6 bits of bytes 0-3, mins 0-3 in bytes 4-7, 4-7 of each split over the nibbles of bytes
 * 8-11 and the top 2 bits of bytes 0-3 / 4-7).
 */
final class ScaleMinK4 {
    private ScaleMinK4() {}

    /** The scale of sub-block {@code j} (0-7) of the 12 bytes at {@code data[sc]}. */
    static int scale(byte[] data, int sc, int j) {
        if (j < 4) return data[sc + j] & 63;
        return (data[sc + j + 4] & 0xf) | ((data[sc + j - 4] & 0xff) >>> 6) << 4;
    }

    /** The min of sub-block {@code j} (0-7) of the 12 bytes at {@code data[sc]}. */
    static int min(byte[] data, int sc, int j) {
        if (j < 4) return data[sc + j + 4] & 63;
        return ((data[sc + j + 4] & 0xff) >>> 4) | ((data[sc + j] & 0xff) >>> 6) << 4;
    }
}
