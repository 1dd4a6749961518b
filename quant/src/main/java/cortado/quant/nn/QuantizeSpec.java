package cortado.quant.nn;

import cortado.quant.Blocksizes;
import java.util.List;

/**
 * What whole-model quantization does: {@code type} "nf4", "fp4" (4-bit blockwise, bitsandbytes' Linear4bit) or
 * "int8" (row-wise LLM.int8, Linear8bit); the 4-bit block size and double quantization; and the modules left in fp32
 * ({@code skip}, matched as transformers matches llm_int8_skip_modules; default lm_head). With
 * {@code includeEmbeddings} the token embedding table is quantized too (llama.cpp quantizes token_embd; bitsandbytes
 * and transformers leave embeddings in fp32), so a tied head is quantized with it; an untied head follows the skip list.
 */
public record QuantizeSpec(String type, int blocksize, boolean doubleQuant, List<String> skip, boolean includeEmbeddings) {
    public static final List<String> DEFAULT_SKIP = List.of("lm_head");

    /** bitsandbytes' behaviour: embeddings stay fp32. */
    public QuantizeSpec(String type, int blocksize, boolean doubleQuant, List<String> skip) {
        this(type, blocksize, doubleQuant, skip, false);
    }

    public QuantizeSpec {
        type = type.toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("nf4") && !type.equals("fp4") && !type.equals("int8"))
            throw new IllegalArgumentException("unsupported quantization type '" + type + "' (expected nf4, fp4 or int8)");
        if (!type.equals("int8")) Blocksizes.check4bit(blocksize);
        else if (doubleQuant) throw new IllegalArgumentException("--double-quant applies to nf4/fp4, not int8");
        skip = List.copyOf(skip);
    }

    public boolean fourBit() { return !type.equals("int8"); }

    /** True when the module at dotted {@code path} stays fp32 ({@link #matches} against the skip list). */
    public boolean skips(String path) { return matches(path, skip); }

    /**
     * transformers' {@code should_convert_module} rule, so a skip list means the same here as in
     * {@code llm_int8_skip_modules}: a pattern matches a module name it is a regex prefix of ({@code re.match}:
     * "lm_head", "model.layers.1\\." or "model.layers.*") or a plain suffix of ("fc1", "down_proj").
     */
    public static boolean matches(String path, List<String> patterns) {
        for (String p : patterns) {
            if (p.isEmpty()) continue;
            if (path.endsWith(p)) return true;
            try {
                if (java.util.regex.Pattern.compile(p).matcher(path).lookingAt()) return true;
            } catch (java.util.regex.PatternSyntaxException e) {
                if (path.startsWith(p)) return true;
            }
        }
        return false;
    }
}
