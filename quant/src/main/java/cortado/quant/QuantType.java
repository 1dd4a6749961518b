package cortado.quant;

/**
 * The two 4-bit data types of bitsandbytes and QLoRA. Each has a 16-entry code book (index order is the stored nibble)
 * and a quantizer that maps a value already scaled into [-1, 1] to its nibble exactly as bitsandbytes' CUDA kernels do:
 * a fixed comparison tree whose pivots are (float literals of) the midpoints between neighbouring codes, each test
 * {@code x > pivot}, so a value exactly on a pivot goes to the lower code; for FP4 the tree runs on |x| with the sign
 * apart, so there "lower" means the smaller magnitude.
 *
 * <p>The pivots are the kernels' decimal literals rounded once to float, as a C compiler reads {@code 0.84...f}; four
 * NF4 pivots sit so close to a float midpoint that reading them through double ({@code (float) 0.84...}) gives the
 * neighbouring float, so they are written here with the {@code f} suffix, never computed.
 */
public enum QuantType {
    /**
     * 4-bit NormalFloat (Dettmers et al. 2023, QLoRA §3): quantiles of N(0,1) scaled to [-1, 1], an exact zero, and
     * 8 positive / 7 negative levels. Values are bitsandbytes' get_4bit_type("nf4") as float32.
     */
    NF4("nf4", new float[] {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f}),

    /**
     * 4-bit float, 1 sign, 2 exponent, 1 mantissa bit (bias 3, with subnormals), normalized by its largest magnitude 12.
     * Bit 3 is the sign; index order [0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3] / 12.
     */
    FP4("fp4", fp4Codebook());

    private final String bnbName;
    private final float[] codebook;

    QuantType(String bnbName, float[] codebook) {
        this.bnbName = bnbName;
        this.codebook = codebook;
    }

    /** The name bitsandbytes and transformers use ("nf4", "fp4"): bnb_4bit_quant_type, quant_state key suffix. */
    public String bnbName() { return bnbName; }

    /** A copy of the 16 codes in nibble order. */
    public float[] codebook() { return codebook.clone(); }

    /** The code for one nibble. */
    public float code(int nibble) { return codebook[nibble]; }

    /** "nf4" / "fp4" (case-insensitive) to the type; anything else is an error naming the value. */
    public static QuantType fromBnbName(String name) {
        for (QuantType t : values()) if (t.bnbName.equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("unsupported 4-bit quant type '" + name + "' (expected nf4 or fp4)");
    }

    /** The nibble for a value x = v / absmax, as bitsandbytes' kernel chooses it. */
    public int quantize(float x) {
        return this == NF4 ? quantizeNf4(x) : quantizeFp4(x);
    }

    /**
     * NF4 comparison tree. The pivots are bitsandbytes' float constants (the midpoints of neighbouring NF4 codes);
     * written as a balanced binary tree over the sorted codes, first on the sign side, as the kernel does. A NaN
     * (absmax 0 gives 0 * inf) fails every test and lands on nibble 0, which dequantizes to -1 * 0 = 0.
     */
    static int quantizeNf4(float x) {
        if (x > 0.03979014977812767f) {
            if (x > 0.3893125355243683f) {
                if (x > 0.6427869200706482f) return x > 0.8614784181118011f ? 0b1111 : 0b1110;
                return x > 0.5016634166240692f ? 0b1101 : 0b1100;
            }
            if (x > 0.2035212516784668f) return x > 0.2920137718319893f ? 0b1011 : 0b1010;
            return x > 0.1202552504837513f ? 0b1001 : 0b1000;
        }
        if (x > -0.33967943489551544f) {
            if (x > -0.13791173323988914f) return x > -0.045525018125772476f ? 0b0111 : 0b0110;
            return x > -0.23460740596055984f ? 0b0101 : 0b0100;
        }
        if (x > -0.6106329262256622f) return x > -0.4599952697753906f ? 0b0011 : 0b0010;
        return x > -0.8480964004993439f ? 0b0001 : 0b0000;
    }

    /**
     * FP4 comparison tree on |x| with the sign in bit 3 (bitsandbytes' dQuantizeFP4). Pivots, in units of 1/12:
     * 3.5 | 7 | 10 | 5 | 1.03125 | 2.5 | 0.03125, kept as bitsandbytes' float literals (0.583333f is not 7/12 to the
     * last bit, and that is what the kernel compares against). -0.0 is not negative, so it gets sign 0.
     */
    static int quantizeFp4(float x) {
        int sign = x < 0 ? 0b1000 : 0;
        float a = Math.abs(x);
        if (a > 0.29166667f) {
            if (a > 0.583333f) return (a > 0.8333333f ? 0b0011 : 0b0010) + sign;
            return (a > 0.4166667f ? 0b0101 : 0b0100) + sign;
        }
        if (a > 0.0859375f) return (a > 0.20833333f ? 0b0111 : 0b0110) + sign;
        return (a > 0.00260417f ? 0b0001 : 0b0000) + sign;
    }

    /**
     * The NF4 tree's pivots in ascending order: the tree is a binary search over them, so the nibble equals the number
     * of pivots strictly below x ({@link NibbleEncoder} counts them branch-free).
     */
    static final float[] NF4_PIVOTS = {
            -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
            -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
            0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
            0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f};

    /** The FP4 tree's pivots on |x| in ascending order, and the nibble (without sign) for each count of pivots below. */
    static final float[] FP4_PIVOTS = {0.00260417f, 0.0859375f, 0.20833333f, 0.29166667f, 0.4166667f, 0.583333f, 0.8333333f};
    static final byte[] FP4_NIBBLE_BY_RANK = {0b0000, 0b0001, 0b0110, 0b0111, 0b0100, 0b0101, 0b0010, 0b0011};

    private static float[] fp4Codebook() {
        float[] raw = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f};
        float[] c = new float[16];
        for (int i = 0; i < 16; i++) c[i] = raw[i] / 12f;   // float32 division, as torch does on the float tensor
        return c;
    }
}
