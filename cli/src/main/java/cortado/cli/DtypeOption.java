package cortado.cli;

import cortado.nn.io.InferenceDType;

/** {@code --dtype}, how the inference commands hold a checkpoint's weight matrices ({@link InferenceDType}). */
final class DtypeOption {
    private DtypeOption() {}

    static Args declare(Args a) {
        return a.option("dtype", "auto|fp32|bf16|f16", "weight matrices in memory: auto keeps the checkpoint's dtype"
                + " (bf16/f16 stay 16-bit, widened inside the kernels; fp32 stays fp32); fp32, bf16 or f16 convert"
                + " every matrix (norms and biases are fp32 always; a quantized checkpoint keeps its format)", "auto");
    }

    static InferenceDType parse(Args a) throws UsageException {
        try {
            return InferenceDType.parse(a.string("dtype"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dtype: " + e.getMessage());
        }
    }
}
