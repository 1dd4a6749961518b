package cortado.cli;

import cortado.peft.PeftConfig;
import java.util.List;

/**
 * What {@code cortado finetune --method} accepts: for each method, how the base is held, which adapter flags it takes
 * and the PEFT config it makes of them ({@link AdapterOptions}). A new method is one more line in {@link #ALL}.
 */
final class FinetuneMethods {
    /** Makes the adapter config from the parsed flags; {@code modelDir} is the base's directory. */
    @FunctionalInterface
    interface AdapterConfig { PeftConfig make(Args a, String modelDir) throws UsageException; }

    /**
     * @param quantizeBase the frozen base's linear layers are quantized to NF4 with double quantization first (QLoRA)
     * @param flags        the adapter flags the method takes (the others are usage errors with it)
     * @param adapter      the adapter config, or null when every parameter trains (full fine-tuning)
     */
    record Method(String name, String help, boolean quantizeBase, List<String> flags, AdapterConfig adapter) {
        boolean full() { return adapter == null; }
    }

    static final List<Method> ALL = List.of(
            new Method("full", "every parameter trains; writes a whole model directory", false, List.of(), null),
            new Method("lora", "LoRA adapters on the frozen base (fp32, or as a quantized directory holds it)", false,
                    AdapterOptions.LORA_FLAGS, AdapterOptions::lora),
            new Method("qlora", "LoRA on the frozen base with its linear layers quantized to NF4, blocksize 64, double"
                    + " quantization (Dettmers et al. 2023), computed block by block", true, AdapterOptions.LORA_FLAGS,
                    AdapterOptions::lora),
            new Method("dora", "DoRA (Liu et al. 2024): LoRA's direction plus a learned per-output-row magnitude"
                    + " (use_dora)", false, AdapterOptions.LORA_FLAGS, AdapterOptions::dora),
            new Method("adalora", "AdaLoRA (Zhang et al. 2023): LoRA in SVD form whose rank budget falls from"
                    + " --init-r to --target-r per target on average, the least important singular values masked"
                    + " (cubic schedule over --total-step), plus an orthogonal regularization on the loss; the"
                    + " allocated rank_pattern is saved (no --resume: the importance statistics are not"
                    + " checkpointed)", false, AdapterOptions.ADALORA_FLAGS, AdapterOptions::adalora),
            new Method("ia3", "(IA)^3: a learned vector rescales each target's output (a feed-forward target's input),"
                    + " initialized to ones", false, AdapterOptions.IA3_FLAGS, AdapterOptions::ia3),
            new Method("bitfit", "only the bias terms train; saved as bitfit_config.json + bitfit_model.safetensors"
                    + " (not a PEFT format: PEFT has no BitFit)", false, AdapterOptions.BITFIT_FLAGS,
                    AdapterOptions::bitfit),
            new Method("loha", "LoHa (LyCORIS): the weight update is a Hadamard product of two rank-r products;"
                    + " Linear layers only (not GPT-2's Conv1D, as in peft)", false, AdapterOptions.LOHA_FLAGS,
                    AdapterOptions::loha),
            new Method("lokr", "LoKr (LyCORIS): the weight update is a Kronecker product of two factors, each full or"
                    + " rank-r; Linear layers only", false, AdapterOptions.LOKR_FLAGS, AdapterOptions::lokr),
            new Method("vera", "VeRA: one pair of frozen random projections shared by every layer, two trained vectors"
                    + " per layer", false, AdapterOptions.VERA_FLAGS, AdapterOptions::vera),
            new Method("oft", "OFT: a learned block-diagonal rotation (Cayley-Neumann) of each target's input; Linear"
                    + " layers only", false, AdapterOptions.OFT_FLAGS, AdapterOptions::oft),
            new Method("boft", "BOFT (Liu et al. 2024): a learned butterfly product of permuted block-diagonal Cayley"
                    + " rotations of each target's input and a per-output scale; Linear layers only", false,
                    AdapterOptions.BOFT_FLAGS, AdapterOptions::boft),
            new Method("hra", "HRA (Yuan et al. 2024): each target's weight times a chain of r learned Householder"
                    + " reflections of its input (--apply-gs: orthonormalized first); Linear layers only", false,
                    AdapterOptions.HRA_FLAGS, AdapterOptions::hra),
            new Method("fourierft", "FourierFT (Gao et al. 2024): each target's update is the real inverse 2-D DFT"
                    + " of --n-frequency trained coefficients at seeded random positions, times --scaling (default"
                    + " targets as peft: gpt2 mlp.c_proj, llama q_proj,v_proj)", false, AdapterOptions.FOURIERFT_FLAGS,
                    AdapterOptions::fourierft),
            new Method("trainable-tokens", "TRAINABLE_TOKENS: only the embedding rows of --token-indices train (untied"
                    + " embeddings only: a head tied to the embedding is refused)", false,
                    AdapterOptions.TRAINABLE_TOKENS_FLAGS, AdapterOptions::trainableTokens),
            new Method("ln-tuning", "LN tuning: trained copies of the normalization layers (default: the"
                    + " architecture's LayerNorms/RMSNorms)", false, AdapterOptions.LN_TUNING_FLAGS,
                    AdapterOptions::lnTuning),
            new Method("houlsby", "Houlsby adapters (adapter-hub's DoubleSeqBnConfig): a bottleneck"
                    + " up(swish(down(h))) after each layer's attention output and FFN output, before the residual;"
                    + " reduction factor 16; saved as bottleneck_config.json + bottleneck_model.safetensors under"
                    + " adapter-hub's tensor names (not a PEFT format)", false, AdapterOptions.BOTTLENECK_FLAGS,
                    (a, dir) -> AdapterOptions.bottleneck(a, dir, "houlsby")),
            new Method("pfeiffer", "Pfeiffer adapters (adapter-hub's SeqBnConfig): one relu bottleneck after each"
                    + " FFN output, reduction factor 16", false, AdapterOptions.BOTTLENECK_FLAGS,
                    (a, dir) -> AdapterOptions.bottleneck(a, dir, "pfeiffer")),
            new Method("parallel-adapter", "parallel adapters (He et al. 2021, adapter-hub's ParBnConfig): a relu"
                    + " bottleneck beside each FFN, reading its input, output scaled by 4, reduction factor 2,"
                    + " up-projection starting at zero", false, AdapterOptions.BOTTLENECK_FLAGS,
                    (a, dir) -> AdapterOptions.bottleneck(a, dir, "parallel")),
            new Method("compacter", "Compacter (Mahabadi et al. 2021, adapter-hub's CompacterConfig): Houlsby's places"
                    + " with PHM projections, sum of A_i (x) (W_left_i W_right_i), n = 4 rule matrices A_i shared by"
                    + " every layer, gelu, reduction factor 32 (hidden / reduction must divide by 4)", false,
                    AdapterOptions.BOTTLENECK_FLAGS, (a, dir) -> AdapterOptions.bottleneck(a, dir, "compacter")),
            new Method("compacter++", "Compacter++: Compacter at the FFN output only (Pfeiffer's place)", false,
                    AdapterOptions.BOTTLENECK_FLAGS, (a, dir) -> AdapterOptions.bottleneck(a, dir, "compacter++")),
            new Method("prompt-tuning", "prompt tuning (Lester et al. 2021): P trained embeddings in front of every"
                    + " input", false, AdapterOptions.PROMPT_TUNING_FLAGS, AdapterOptions::promptTuning),
            new Method("multitask-prompt-tuning", "multitask prompt tuning (Wang et al. 2023, peft's"
                    + " MULTITASK_PROMPT_TUNING): one shared prompt of P embeddings times a rank --num-ranks factor per"
                    + " task; --data is JSONL of {\"text\": ..., \"task_id\": N} rows (each cut to --seq + 1 tokens),"
                    + " each row prompted by its task's prompt; no validation loss", false,
                    AdapterOptions.MULTITASK_PROMPT_TUNING_FLAGS, AdapterOptions::multitaskPromptTuning),
            new Method("p-tuning", "P-tuning (Liu et al. 2021): P virtual tokens through a trained MLP or LSTM encoder"
                    + " in front of every input; saved as the encoder's output (peft's format), so a run cannot"
                    + " --resume", false, AdapterOptions.P_TUNING_FLAGS, AdapterOptions::pTuning),
            new Method("prefix-tuning", "prefix tuning (Li and Liang 2021): P trained keys and values in front of"
                    + " every layer's attention, optionally through a projection (then, as p-tuning, no --resume)",
                    false, AdapterOptions.PREFIX_TUNING_FLAGS, AdapterOptions::prefixTuning),
            new Method("adaption-prompt", "LLaMA-Adapter (Zhang et al. 2023, peft's ADAPTION_PROMPT): --adapter-len"
                    + " learned prompt tokens in each of the top --adapter-layers attentions, seen by every query"
                    + " (no position, no mask) through the layer's own projections and scaled by a gate that starts"
                    + " at zero; llama, mistral and gpt2, as in peft", false, AdapterOptions.ADAPTION_PROMPT_FLAGS,
                    AdapterOptions::adaptionPrompt),
            new Method("xlora", "X-LoRA (Buehler and Buehler 2024, peft's XLORA): the frozen LoRA experts of"
                    + " --xlora-adapters weighted per token (and per layer with --layerwise-scalings) by a trained"
                    + " classifier of the hidden state of a first pass; only the classifier trains; the experts are"
                    + " saved in OUT/0, OUT/1, ... (no --checkpoint-activations; sft: no --packing)",
                    false, AdapterOptions.XLORA_FLAGS, AdapterOptions::xlora));

    private FinetuneMethods() {}

    static String names() { return String.join("|", ALL.stream().map(Method::name).toList()); }

    static Method named(String name) throws UsageException {
        for (Method m : ALL) if (m.name().equals(name)) return m;
        throw new UsageException("--method must be one of " + names() + ", got '" + name + "'");
    }

    /** A usage error for an adapter flag given with a method that does not take it. */
    static void checkFlags(Method m, Args a) throws UsageException {
        for (String f : AdapterOptions.ALL_FLAGS)
            if (a.has(f) && !m.flags().contains(f))
                throw new UsageException("--" + f + " does not apply to --method " + m.name()
                        + (m.flags().isEmpty() ? "" : " (it takes --" + String.join(", --", m.flags()) + ")"));
    }

    /** One line per method for --help. */
    static String help() {
        StringBuilder sb = new StringBuilder();
        for (Method m : ALL) sb.append("  ").append(m.name()).append(": ").append(m.help()).append('\n');
        return sb.toString();
    }
}
