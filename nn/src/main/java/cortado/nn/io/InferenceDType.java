package cortado.nn.io;

import cortado.tensor.DType;
import java.util.Locale;

/**
 * How a checkpoint's weight matrices (projections and embedding tables) are held when a model is loaded for inference
 * or as a frozen base ({@link HfCheckpoint#loadFrozen}); norms and biases are always fp32. Full-parameter training
 * loads with {@link HfCheckpoint#load}, which gives fp32 master weights whatever the file holds.
 */
public enum InferenceDType {
    /** Each matrix as the file stores it: BF16 and F16 stay 16-bit, F32 (and anything else) becomes fp32. */
    AUTO,
    /** Every matrix widened to fp32 (the training path's layout). */
    F32,
    /** Every matrix in bf16 (an fp32 file is rounded to nearest even). */
    BF16,
    /** Every matrix in f16 (rounded to nearest even). */
    F16;

    /** The command-line spelling: auto, fp32, bf16 or f16. */
    public static InferenceDType parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "fp32", "f32", "float32" -> F32;
            case "bf16", "bfloat16" -> BF16;
            case "f16", "fp16", "float16" -> F16;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (expected auto, fp32, bf16 or f16)");
        };
    }

    /** The 16-bit type a matrix stored as {@code stored} is held in, or null for fp32. */
    DType heldAs(DType stored) {
        return switch (this) {
            case AUTO -> stored == DType.BF16 || stored == DType.F16 ? stored : null;
            case F32 -> null;
            case BF16 -> DType.BF16;
            case F16 -> DType.F16;
        };
    }
}
