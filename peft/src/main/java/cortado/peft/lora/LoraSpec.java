package cortado.peft.lora;

/**
 * One adapter on one layer, as PEFT's {@code update_layer} receives it after rank_pattern and alpha_pattern resolved.
 *
 * @param r       rank
 * @param scaling alpha / r, or alpha / sqrt(r) with rsLoRA
 * @param dropout lora_dropout
 * @param init    init_lora_weights
 * @param useDora DoRA's magnitude vector
 * @param loftq   LoftQ's config when init is LOFTQ, else null
 * @param seed    the seed of the random draws
 */
public record LoraSpec(int r, double scaling, double dropout, LoraInit init, boolean useDora, LoftqConfig loftq,
                       long seed) {
    public LoraSpec {
        if (init == null) init = LoraInit.DEFAULT;
    }

    /** The spec {@code c} gives the module {@code path}. */
    public static LoraSpec of(LoraConfig c, String path, long seed) {
        return new LoraSpec(c.rankFor(path), c.scalingFor(path), c.loraDropout(), c.init(), c.useDora(), c.loftqConfig(),
                seed);
    }
}
