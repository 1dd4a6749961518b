package cortado.nn.grow;

import java.util.Map;

/**
 * How each Hugging Face parameter of a family relates to the grown dimensions: the role of each of its dimensions, and
 * which dimension (if any) reads the residual stream, heads or MLP units, i.e. whose weights are split among copies.
 * A layer that writes a grown dimension copies its rows (its output is duplicated); a layer that reads one divides its
 * weights by the number of copies (Net2WiderNet, Chen et al. 2016; bert2BERT's function-preserving init, Chen et al.
 * 2022). GPT-2's Conv1D holds [in, out], Linear [out, in].
 */
final class GrowthRules {
    /** What a dimension of a parameter indexes. */
    enum Role { VOCAB, POSITION, RESIDUAL, QUERY, KEY_VALUE, QKV, INNER, HEAD_DIM }

    /**
     * @param roles one per dimension of the parameter
     * @param readDim the dimension that reads a grown input (split among copies), or -1
     * @param finalNorm the norm before a tied output head: scaled by 1/k, see {@link ModelGrowth}
     */
    record Rule(Role[] roles, int readDim, boolean finalNorm) {
        static Rule of(int readDim, Role... roles) { return new Rule(roles, readDim, false); }
    }

    private static final Rule VECTOR = Rule.of(-1, Role.RESIDUAL);

    private static final Map<String, Rule> GPT2_BLOCK = Map.ofEntries(
            Map.entry("ln_1.weight", VECTOR), Map.entry("ln_1.bias", VECTOR),
            Map.entry("ln_2.weight", VECTOR), Map.entry("ln_2.bias", VECTOR),
            Map.entry("attn.c_attn.weight", Rule.of(0, Role.RESIDUAL, Role.QKV)),
            Map.entry("attn.c_attn.bias", Rule.of(-1, Role.QKV)),
            Map.entry("attn.c_proj.weight", Rule.of(0, Role.QUERY, Role.RESIDUAL)),
            Map.entry("attn.c_proj.bias", VECTOR),
            Map.entry("mlp.c_fc.weight", Rule.of(0, Role.RESIDUAL, Role.INNER)),
            Map.entry("mlp.c_fc.bias", Rule.of(-1, Role.INNER)),
            Map.entry("mlp.c_proj.weight", Rule.of(0, Role.INNER, Role.RESIDUAL)),
            Map.entry("mlp.c_proj.bias", VECTOR));

    private static final Map<String, Rule> GPT2_TOP = Map.of(
            "transformer.wte.weight", Rule.of(-1, Role.VOCAB, Role.RESIDUAL),
            "transformer.wpe.weight", Rule.of(-1, Role.POSITION, Role.RESIDUAL),
            "transformer.ln_f.weight", new Rule(new Role[] {Role.RESIDUAL}, -1, true),
            "transformer.ln_f.bias", new Rule(new Role[] {Role.RESIDUAL}, -1, true),
            "lm_head.weight", Rule.of(1, Role.VOCAB, Role.RESIDUAL));

    private static final Map<String, Rule> LLAMA_BLOCK = Map.ofEntries(
            Map.entry("input_layernorm.weight", VECTOR), Map.entry("post_attention_layernorm.weight", VECTOR),
            Map.entry("self_attn.q_proj.weight", Rule.of(1, Role.QUERY, Role.RESIDUAL)),
            Map.entry("self_attn.q_proj.bias", Rule.of(-1, Role.QUERY)),
            Map.entry("self_attn.k_proj.weight", Rule.of(1, Role.KEY_VALUE, Role.RESIDUAL)),
            Map.entry("self_attn.k_proj.bias", Rule.of(-1, Role.KEY_VALUE)),
            Map.entry("self_attn.v_proj.weight", Rule.of(1, Role.KEY_VALUE, Role.RESIDUAL)),
            Map.entry("self_attn.v_proj.bias", Rule.of(-1, Role.KEY_VALUE)),
            Map.entry("self_attn.o_proj.weight", Rule.of(1, Role.RESIDUAL, Role.QUERY)),
            Map.entry("self_attn.o_proj.bias", VECTOR),
            Map.entry("self_attn.q_norm.weight", Rule.of(-1, Role.HEAD_DIM)),
            Map.entry("self_attn.k_norm.weight", Rule.of(-1, Role.HEAD_DIM)),
            Map.entry("mlp.gate_proj.weight", Rule.of(1, Role.INNER, Role.RESIDUAL)),
            Map.entry("mlp.gate_proj.bias", Rule.of(-1, Role.INNER)),
            Map.entry("mlp.up_proj.weight", Rule.of(1, Role.INNER, Role.RESIDUAL)),
            Map.entry("mlp.up_proj.bias", Rule.of(-1, Role.INNER)),
            Map.entry("mlp.down_proj.weight", Rule.of(1, Role.RESIDUAL, Role.INNER)),
            Map.entry("mlp.down_proj.bias", VECTOR));

    private static final Map<String, Rule> LLAMA_TOP = Map.of(
            "model.embed_tokens.weight", Rule.of(-1, Role.VOCAB, Role.RESIDUAL),
            "model.norm.weight", new Rule(new Role[] {Role.RESIDUAL}, -1, true),
            "lm_head.weight", Rule.of(1, Role.VOCAB, Role.RESIDUAL));

    /**
     * A block's output projections (attention's and the MLP's): zero in a new block, which makes it the identity.
     */
    static boolean isOutputProjection(String blockKey) {
        return blockKey.startsWith("attn.c_proj.") || blockKey.startsWith("mlp.c_proj.")
                || blockKey.startsWith("self_attn.o_proj.") || blockKey.startsWith("mlp.down_proj.");
    }

    /** The rule of a block parameter ({@code key} after "h.N." / "layers.N.") or a top-level one (its full name). */
    static Rule rule(boolean gpt2, boolean inBlock, String key) {
        Map<String, Rule> table = gpt2 ? (inBlock ? GPT2_BLOCK : GPT2_TOP) : (inBlock ? LLAMA_BLOCK : LLAMA_TOP);
        Rule r = table.get(key);
        if (r == null)
            throw new GrowthException("no growth rule for parameter " + key + " of a " + (gpt2 ? "gpt2" : "llama-family")
                    + " model");
        return r;
    }

    private GrowthRules() {}
}
