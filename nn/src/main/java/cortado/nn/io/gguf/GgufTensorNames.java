package cortado.nn.io.gguf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face parameter names to GGUF tensor names, as llama.cpp's convert_hf_to_gguf.py (gguf-py's
 * tensor_mapping.py) names them for the two architectures Cortado writes and reads: {@code gpt2} and {@code llama}.
 */
final class GgufTensorNames {
    private GgufTensorNames() {}

    private static final Map<String, String> GPT2_GLOBAL = Map.of(
            "transformer.wte", "token_embd", "transformer.wpe", "position_embd",
            "transformer.ln_f", "output_norm", "lm_head", "output");
    private static final Map<String, String> GPT2_BLOCK = Map.of(
            "ln_1", "attn_norm", "attn.c_attn", "attn_qkv", "attn.c_proj", "attn_output",
            "ln_2", "ffn_norm", "mlp.c_fc", "ffn_up", "mlp.c_proj", "ffn_down");
    private static final Map<String, String> LLAMA_GLOBAL = Map.of(
            "model.embed_tokens", "token_embd", "model.norm", "output_norm", "lm_head", "output");
    private static final Map<String, String> LLAMA_BLOCK = Map.ofEntries(
            Map.entry("input_layernorm", "attn_norm"), Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"), Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.o_proj", "attn_output"), Map.entry("post_attention_layernorm", "ffn_norm"),
            Map.entry("mlp.gate_proj", "ffn_gate"), Map.entry("mlp.up_proj", "ffn_up"),
            Map.entry("mlp.down_proj", "ffn_down"));

    private static final Pattern GPT2_LAYER = Pattern.compile("transformer\\.h\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern LLAMA_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.(weight|bias)");
    private static final Pattern GLOBAL = Pattern.compile("(.+)\\.(weight|bias)");

    /** The GGUF name of parameter {@code hf} for architecture {@code arch}, or null when it has none. */
    static String of(String arch, String hf) {
        boolean gpt2 = arch.equals("gpt2");
        Matcher m = (gpt2 ? GPT2_LAYER : LLAMA_LAYER).matcher(hf);
        if (m.matches()) {
            String part = (gpt2 ? GPT2_BLOCK : LLAMA_BLOCK).get(m.group(2));
            return part == null ? null : "blk." + m.group(1) + "." + part + "." + m.group(3);
        }
        m = GLOBAL.matcher(hf);
        if (!m.matches()) return null;
        String part = (gpt2 ? GPT2_GLOBAL : LLAMA_GLOBAL).get(m.group(1));
        return part == null ? null : part + "." + m.group(2);
    }
}
