package cortado.quant.nn;

import cortado.quant.Blocksizes;
import java.util.List;

/**
 * What whole-model quantization does: {@code type} "nf4", "fp4" (4-bit blockwise, bitsandbytes' Linear4bit) or
 * "int8" (row-wise LLM.int8, Linear8bit); the 4-bit block size and double quantization; and the modules left in fp32
 * ({@code skip}: dotted names or their last components, transformers' llm_int8_skip_modules, default lm_head).
 */
public record QuantizeSpec(String type, int blocksize, boolean doubleQuant, List<String> skip) {
    public static final List<String> DEFAULT_SKIP = List.of("lm_head");

    public QuantizeSpec {
        type = type.toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("nf4") && !type.equals("fp4") && !type.equals("int8"))
            throw new IllegalArgumentException("unsupported quantization type '" + type + "' (expected nf4, fp4 or int8)");
        if (!type.equals("int8")) Blocksizes.check4bit(blocksize);
        else if (doubleQuant) throw new IllegalArgumentException("--double-quant applies to nf4/fp4, not int8");
        skip = List.copyOf(skip);
    }

    public boolean fourBit() { return !type.equals("int8"); }

    /** True when the module at dotted {@code path} stays fp32: it or one of its parents is named in the skip list. */
    public boolean skips(String path) {
        for (String s : skip) {
            if (s.isEmpty()) continue;
            if (path.equals(s) || path.endsWith("." + s) || path.startsWith(s + ".") || path.contains("." + s + "."))
                return true;
        }
        return false;
    }
}
