package cortado.quant;

/** The block sizes bitsandbytes' blockwise kernels are compiled for. */
public final class Blocksizes {
    private Blocksizes() {}

    /** 4-bit: 32 .. 4096 (powers of two). */
    public static final int[] FOUR_BIT = {32, 64, 128, 256, 512, 1024, 2048, 4096};
    /** 8-bit blockwise: 64 .. 4096. */
    public static final int[] EIGHT_BIT = {64, 128, 256, 512, 1024, 2048, 4096};

    /** Throws an error naming the value unless {@code blocksize} is a 4-bit block size bitsandbytes supports. */
    public static int check4bit(int blocksize) { return check(blocksize, FOUR_BIT, "4-bit"); }

    /** Throws an error naming the value unless {@code blocksize} is an 8-bit block size bitsandbytes supports. */
    public static int check8bit(int blocksize) { return check(blocksize, EIGHT_BIT, "8-bit"); }

    private static int check(int blocksize, int[] allowed, String kind) {
        for (int b : allowed) if (b == blocksize) return blocksize;
        throw new IllegalArgumentException("unsupported " + kind + " blocksize " + blocksize + " (expected one of "
                + java.util.Arrays.toString(allowed).replaceAll("[\\[\\]]", "") + ")");
    }
}
