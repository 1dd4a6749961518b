package cortado.cli;

import cortado.peft.Bias;
import cortado.peft.PeftConfig;
import cortado.peft.TargetModules;
import cortado.peft.adalora.AdaLoraConfig;
import cortado.peft.adaptionprompt.AdaptionPromptConfig;
import cortado.peft.bitfit.BitFitConfig;
import cortado.peft.boft.BOFTConfig;
import cortado.peft.bottleneck.BottleneckConfig;
import cortado.peft.bottleneck.NonLinearity;
import cortado.peft.fourierft.FourierFTConfig;
import cortado.peft.hra.HRAConfig;
import cortado.peft.trainabletokens.TrainableTokensConfig;
import cortado.peft.ia3.IA3Config;
import cortado.peft.lntuning.LNTuningConfig;
import cortado.peft.loha.LoHaConfig;
import cortado.peft.lokr.LoKrConfig;
import cortado.peft.oft.OFTConfig;
import cortado.peft.prefixtuning.PrefixTuningConfig;
import cortado.peft.prompt.PromptFields;
import cortado.peft.multitaskprompttuning.MultitaskPromptTuningConfig;
import cortado.peft.prompttuning.PromptTuningConfig;
import cortado.peft.ptuning.PromptEncoderConfig;
import cortado.peft.vera.VeraConfig;
import cortado.peft.lora.LoftqConfig;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraInit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The adapter flags of {@code cortado finetune} and the PEFT config each method makes of them. Defaults are peft
 * 0.21's (LoRA: r 8, alpha 8, dropout 0; every method: the architecture's default targets). Every config is made
 * with {@code task_type} CAUSAL_LM and the base's directory as {@code base_model_name_or_path}.
 */
final class AdapterOptions {
    /** What {@code --init} accepts: PEFT's {@code init_lora_weights} values that this build implements. */
    static final List<String> INITS = List.of("kaiming", "gaussian", "pissa", "olora", "loftq");
    static final List<String> LORA_FLAGS = List.of("r", "alpha", "dropout", "target-modules", "rslora", "init",
            "loftq-iter");
    static final List<String> IA3_FLAGS = List.of("target-modules", "feedforward-modules");
    static final List<String> BITFIT_FLAGS = List.of("target-modules");
    static final List<String> LOHA_FLAGS = List.of("r", "alpha", "target-modules", "rank-dropout", "module-dropout");
    static final List<String> LOKR_FLAGS = List.of("r", "alpha", "target-modules", "rank-dropout", "module-dropout",
            "decompose-both", "decompose-factor", "rank-dropout-scale");
    static final List<String> VERA_FLAGS = List.of("r", "target-modules", "dropout", "projection-prng-key",
            "no-save-projection", "d-initial");
    static final List<String> OFT_FLAGS = List.of("r", "oft-block-size", "target-modules", "coft", "coft-eps", "block-share",
            "cayley-neumann-terms");
    static final List<String> BOFT_FLAGS = List.of("boft-block-size", "boft-block-num", "boft-butterfly-factor",
            "boft-dropout", "target-modules");
    static final List<String> LN_TUNING_FLAGS = List.of("target-modules");
    static final List<String> HRA_FLAGS = List.of("r", "target-modules", "apply-gs");
    static final List<String> FOURIERFT_FLAGS = List.of("n-frequency", "scaling", "random-loc-seed", "zero-init",
            "target-modules");
    static final List<String> TRAINABLE_TOKENS_FLAGS = List.of("token-indices", "target-modules");
    static final List<String> ADALORA_FLAGS = List.of("init-r", "target-r", "alpha", "dropout", "target-modules",
            "tinit", "tfinal", "delta-t", "orth-reg-weight", "total-step", "apply-gs");
    static final List<String> BOTTLENECK_FLAGS = List.of("reduction-factor", "non-linearity", "adapter-scaling",
            "leave-out", "dropout");
    static final List<String> PROMPT_TUNING_FLAGS = List.of("num-virtual-tokens", "prompt-init", "prompt-init-text");
    static final List<String> MULTITASK_PROMPT_TUNING_FLAGS = List.of("num-virtual-tokens", "prompt-init",
            "prompt-init-text", "num-tasks", "num-ranks");
    static final List<String> P_TUNING_FLAGS = List.of("num-virtual-tokens", "encoder-type", "encoder-hidden-size",
            "encoder-num-layers");
    static final List<String> PREFIX_TUNING_FLAGS = List.of("num-virtual-tokens", "prefix-projection",
            "encoder-hidden-size");
    static final List<String> ADAPTION_PROMPT_FLAGS = List.of("adapter-len", "adapter-layers");
    static final List<String> XLORA_FLAGS = List.of("xlora-adapters", "xlora-depth", "xlora-size", "xlora-dropout-p",
            "top-k-lora", "softmax-temperature", "layerwise-scalings", "enable-softmax-topk", "no-softmax",
            "scaling-pass-value", "global-scaling-weight");
    /** Every adapter flag declared here (a method takes a subset). */
    static final List<String> ALL_FLAGS = List.of("r", "alpha", "dropout", "target-modules", "rslora", "init",
            "loftq-iter", "feedforward-modules", "rank-dropout", "module-dropout", "decompose-both", "decompose-factor",
            "rank-dropout-scale", "projection-prng-key", "no-save-projection", "d-initial", "oft-block-size", "coft",
            "coft-eps", "block-share", "cayley-neumann-terms", "num-virtual-tokens", "prompt-init", "prompt-init-text",
            "encoder-type", "encoder-hidden-size", "encoder-num-layers", "prefix-projection", "init-r", "target-r",
            "tinit", "tfinal", "delta-t", "orth-reg-weight", "total-step", "reduction-factor", "non-linearity",
            "adapter-scaling", "leave-out", "token-indices", "n-frequency", "scaling", "random-loc-seed", "zero-init", "adapter-len",
            "adapter-layers", "boft-block-size", "boft-block-num", "boft-butterfly-factor", "boft-dropout",
            "num-tasks", "num-ranks", "xlora-adapters", "xlora-depth", "xlora-size", "xlora-dropout-p", "top-k-lora",
            "softmax-temperature", "layerwise-scalings", "enable-softmax-topk", "no-softmax", "scaling-pass-value",
            "global-scaling-weight");

    private AdapterOptions() {}

    static Args declare(Args a) {
        return a.option("target-modules", "SPEC", "the modules the method adapts, as PEFT's target_modules: a comma"
                        + " list of module names (each matches a name equal to it or ending in .NAME, e.g. q_proj,v_proj),"
                        + " a regex the whole dotted name must match (any value with regex characters, e.g."
                        + " '.*\\.(q|v)_proj'), or all-linear (every linear layer but the output head); default: the"
                        + " method's PEFT default for the architecture (LoRA: gpt2 c_attn; llama, mistral, qwen2, qwen3"
                        + " q_proj,v_proj; bitfit: every bias)", null)
                .option("r", "R", "rank (LoRA, LoHa, LoKr: default 8; VeRA: the shared rank, default 256; OFT: the"
                        + " number of blocks per layer instead of --oft-block-size; HRA: the reflections, default 8)", "8")
                .option("alpha", "A", "LoRA, LoHa, LoKr, AdaLoRA alpha: the update is scaled by alpha/r"
                        + " (alpha/sqrt(r) with --rslora; AdaLoRA: alpha/init-r)", "8")
                .option("dropout", "P", "dropout on the adapter's input (LoRA, AdaLoRA: lora_dropout, VeRA: vera_dropout);"
                        + " houlsby, pfeiffer, parallel-adapter: on the adapter's output (BnConfig's dropout)", "0")
                .flag("rslora", "rank-stabilized LoRA: scale by alpha/sqrt(r) (use_rslora)")
                .option("init", String.join("|", INITS), "LoRA initialization (init_lora_weights): kaiming is A"
                        + " kaiming-uniform, B zero, so training starts from the base model; gaussian draws A from"
                        + " N(0, 1/r^2), B zero; pissa (Meng et al. 2024) takes A, B from W's top-r singular triplets"
                        + " and olora (Buyukakyuz 2024) from its QR factors, the frozen base keeping the residual;"
                        + " loftq (Li et al. 2023) alternates NF4 quantization of W - BA with an SVD of the error, for"
                        + " qlora. These three factor each target's fp32 weight (an SVD per layer: slow on large"
                        + " layers) and are written into adapter_config.json, so loading the adapter on the original"
                        + " base (here or in PEFT) redoes the factorization; olora and loftq need nn.Linear targets"
                        + " (not GPT-2's Conv1D)", "kaiming")
                .option("loftq-iter", "N", "--init loftq: alternating quantize/SVD rounds (loftq_config.loftq_iter)", "1")
                .option("feedforward-modules", "SPEC", "IA3: the targets whose input (not output) is scaled, same"
                        + " forms as --target-modules; default: the architecture's (llama down_proj, gpt2 mlp.c_proj)", null)
                .option("rank-dropout", "P", "LoHa, LoKr: probability of dropping a row of the weight delta in"
                        + " training", "0")
                .option("module-dropout", "P", "LoHa, LoKr: probability of skipping the adapter in a training step", "0")
                .flag("decompose-both", "LoKr: the left Kronecker factor may be low-rank too (decompose_both)")
                .option("decompose-factor", "F", "LoKr: the dimension split aims for F (-1: near the square root)", "-1")
                .flag("rank-dropout-scale", "LoKr: divide the rows rank dropout keeps by their mean")
                .option("projection-prng-key", "K", "VeRA: the seed of torch's generator drawing the shared"
                        + " projections", "0")
                .flag("no-save-projection", "VeRA: do not save the projections; they are rebuilt from the key on load"
                        + " (save_projection false)")
                .option("d-initial", "D", "VeRA: the start of the lambda_d vectors", "0.1")
                .option("oft-block-size", "B", "OFT: the rotation block size (default 32; 0 with --r)", "32")
                .flag("coft", "OFT: constrained OFT, rotations kept within --coft-eps of the identity")
                .option("coft-eps", "E", "OFT: COFT's radius (peft's eps)", "6e-5")
                .flag("block-share", "OFT: one rotation block shared by every block of a layer")
                .option("cayley-neumann-terms", "N", "OFT: terms of the Cayley-Neumann series", "5")
                .option("boft-block-size", "B", "BOFT: the rotation block size (default 4; 0 with --boft-block-num)", "4")
                .option("boft-block-num", "N", "BOFT: blocks per layer instead of --boft-block-size", "0")
                .option("boft-butterfly-factor", "F", "BOFT: butterfly factors (1: block-diagonal; each more doubles"
                        + " the span of a rotation; in_features must divide by block size x 2^(F-1))", "1")
                .option("boft-dropout", "P", "BOFT: multiplicative dropout, that share of one factor's blocks set to"
                        + " the identity in a training step", "0")
                .option("num-virtual-tokens", "P", "prompt-tuning, p-tuning, prefix-tuning: the virtual tokens (each"
                        + " takes a position of the context window)", "20")
                .option("prompt-init", "random|text|sample-vocab", "prompt-tuning (multitask-prompt-tuning: random|text): the virtual tokens start as N(0, 1)"
                        + " draws, as the embeddings of --prompt-init-text's tokens (the model's tokenizer; cut or"
                        + " repeated to P), or as the embeddings of P tokens drawn from the vocabulary", "random")
                .option("prompt-init-text", "TEXT", "prompt-tuning, multitask-prompt-tuning with --prompt-init text:"
                        + " the text", null)
                .option("num-tasks", "N", "multitask-prompt-tuning: the tasks (each JSONL row's task_id is one of"
                        + " 0..N-1)", "1")
                .option("num-ranks", "R", "multitask-prompt-tuning: the rank of each task's factor"
                        + " prefix_task_cols[t] @ prefix_task_rows[t]", "1")
                .option("encoder-type", "mlp|lstm", "p-tuning: the prompt encoder, an MLP or a bidirectional LSTM"
                        + " followed by an MLP", "mlp")
                .option("encoder-hidden-size", "H", "p-tuning: the encoder's width; prefix-tuning: the projection's"
                        + " (default: the model's hidden size)", null)
                .option("encoder-num-layers", "N", "p-tuning with --encoder-type lstm: the LSTM's layers", "2")
                .flag("prefix-projection", "prefix-tuning: reparameterize the keys and values by an MLP"
                        + " (Linear-Tanh-Linear) over P embeddings; without it they are trained directly (P-tuning v2)")
                .option("token-indices", "I,J,...", "trainable-tokens: the token ids whose embedding rows train"
                        + " (token_indices; required)", null)
                .flag("apply-gs", "hra: Gram-Schmidt-orthonormalize the reflection vectors (apply_GS)")
                .option("n-frequency", "N", "fourierft: trained spectral coefficients per target (n_frequency)",
                        "1000")
                .option("scaling", "S", "fourierft: the factor on the inverse DFT of the spectrum (scaling)", "150")
                .option("random-loc-seed", "SEED", "fourierft: the seed of the coefficients' positions"
                        + " (random_loc_seed)", "777")
                .flag("zero-init", "fourierft: start the spectrum at zero (init_weights=true; peft's default draws it"
                        + " from N(0, 1), which moves the model before any training)")
                .option("init-r", "R", "adalora: the rank each target starts at", "12")
                .option("target-r", "R", "adalora: the average rank the budget ends at", "8")
                .option("tinit", "N", "adalora: warm-up steps at the full budget", "0")
                .option("tfinal", "N", "adalora: last steps at the final rank pattern", "0")
                .option("delta-t", "N", "adalora: steps between two allocations while the budget falls", "1")
                .option("orth-reg-weight", "W", "adalora: weight of the orthogonal regularization added to the loss",
                        "0.5")
                .option("total-step", "N", "adalora: the steps the budget schedule spans (default: --steps)", null)
                .option("reduction-factor", "F", "houlsby, pfeiffer, parallel-adapter, compacter, compacter++: hidden"
                        + " size / bottleneck width (default 16; parallel-adapter 2; compacter 32)", null)
                .option("non-linearity", String.join("|", Arrays.stream(NonLinearity.values())
                        .map(NonLinearity::hfName).toList()), "houlsby, pfeiffer, parallel-adapter, compacter: the"
                        + " bottleneck's activation (default houlsby swish, compacter gelu, else relu)", null)
                .option("adapter-scaling", "S", "houlsby, pfeiffer, parallel-adapter: the factor on the adapter's"
                        + " output (default 1; parallel-adapter 4)", null)
                .option("leave-out", "I,J", "houlsby, pfeiffer, parallel-adapter: layer indices without an adapter",
                        null)
                .option("adapter-len", "L", "adaption-prompt: the learned prompt tokens of each adapted attention"
                        + " (adapter_len; 10 in the LLaMA-Adapter paper)", "10")
                .option("adapter-layers", "N", "adaption-prompt: how many of the top layers get a prompt"
                        + " (adapter_layers; default: every layer)", null)
                .option("xlora-adapters", "DIR,...", "xlora: the frozen LoRA experts, PEFT LoRA adapter directories"
                        + " in expert order (DIR,DIR,... or 0=DIR,1=DIR,...: peft names them 0, 1, ...)", null)
                .option("xlora-depth", "D", "xlora: classifier depth, 1 is one linear layer (xlora_depth)", "1")
                .option("xlora-size", "H", "xlora: the classifier's hidden width when depth > 1 (xlora_size)", "2048")
                .option("xlora-dropout-p", "P", "xlora: dropout after each hidden layer of the classifier"
                        + " (xlora_dropout_p; depth > 1)", "0.2")
                .option("top-k-lora", "K", "xlora: keep only the K largest expert weights per token and layer"
                        + " (top_k_lora; default all)", null)
                .option("softmax-temperature", "T", "xlora: the classifier's logits are divided by T before the"
                        + " softmax over the experts (softmax_temperature)", "1")
                .flag("layerwise-scalings", "xlora: weights for every LoRA layer of its own (layerwise_scalings;"
                        + " default one set for all layers)")
                .flag("enable-softmax-topk", "xlora: softmax over each layer's nonzero weights, the --top-k-lora kept ones"
                        + " (enable_softmax_topk)")
                .flag("no-softmax", "xlora: the classifier's logits weight the experts as they are (enable_softmax"
                        + " false)")
                .option("scaling-pass-value", "V", "xlora: every expert's weight in the scaling pass, which gives the"
                        + " hidden state the classifier reads (scaling_pass_value)", "0")
                .option("global-scaling-weight", "W", "xlora: a factor on every expert's output"
                        + " (global_scaling_weight)", "1");
    }

    static PeftConfig promptTuning(Args a, String modelDir) throws UsageException {
        String init = a.choice("prompt-init", "random", "text", "sample-vocab");
        if (init.equals("text") != a.has("prompt-init-text"))
            throw new UsageException(init.equals("text") ? "--prompt-init text needs --prompt-init-text"
                    : "--prompt-init-text applies to --prompt-init text");
        return new PromptTuningConfig(PromptFields.of(a.positiveInt("num-virtual-tokens")).withBaseModel(modelDir),
                init.toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
                a.has("prompt-init-text") ? a.string("prompt-init-text") : null, init.equals("text") ? modelDir : null);
    }

    static PeftConfig multitaskPromptTuning(Args a, String modelDir) throws UsageException {
        String init = a.choice("prompt-init", "random", "text");
        if (init.equals("text") != a.has("prompt-init-text"))
            throw new UsageException(init.equals("text") ? "--prompt-init text needs --prompt-init-text"
                    : "--prompt-init-text applies to --prompt-init text");
        return new MultitaskPromptTuningConfig(PromptFields.of(a.positiveInt("num-virtual-tokens")).withBaseModel(modelDir),
                init.toUpperCase(java.util.Locale.ROOT), a.has("prompt-init-text") ? a.string("prompt-init-text") : null,
                init.equals("text") ? modelDir : null, null, 0, a.positiveInt("num-ranks"), a.positiveInt("num-tasks"));
    }

    static PeftConfig pTuning(Args a, String modelDir) throws UsageException {
        String type = a.choice("encoder-type", "mlp", "lstm").toUpperCase(java.util.Locale.ROOT);
        if (a.has("encoder-num-layers") && type.equals("MLP"))
            throw new UsageException("--encoder-num-layers applies to --encoder-type lstm (the MLP has 3 layers)");
        return new PromptEncoderConfig(PromptFields.of(a.positiveInt("num-virtual-tokens")).withBaseModel(modelDir), type,
                a.has("encoder-hidden-size") ? a.positiveInt("encoder-hidden-size") : null,
                a.positiveInt("encoder-num-layers"), 0);
    }

    static PeftConfig prefixTuning(Args a, String modelDir) throws UsageException {
        if (a.has("encoder-hidden-size") && !a.bool("prefix-projection"))
            throw new UsageException("--encoder-hidden-size applies to prefix-tuning with --prefix-projection");
        return PrefixTuningConfig.of(a.positiveInt("num-virtual-tokens"), a.bool("prefix-projection"),
                a.has("encoder-hidden-size") ? a.positiveInt("encoder-hidden-size") : null).withBaseModel(modelDir);
    }

    static PeftConfig loha(Args a, String modelDir) throws UsageException {
        return new LoHaConfig(a.positiveInt("r"), positiveAlpha(a), probability(a, "rank-dropout"),
                probability(a, "module-dropout"), false, targets(a, "target-modules"), null, true, null, null, null,
                null, null, modelDir, "CAUSAL_LM");
    }

    static PeftConfig lokr(Args a, String modelDir) throws UsageException {
        int factor = a.integer("decompose-factor");
        if (factor == 0 || factor < -1) throw new UsageException("--decompose-factor must be positive or -1, got " + factor);
        return new LoKrConfig(a.positiveInt("r"), positiveAlpha(a), probability(a, "rank-dropout"),
                probability(a, "module-dropout"), false, a.bool("decompose-both"), factor, a.bool("rank-dropout-scale"),
                targets(a, "target-modules"), null, "true", null, null, null, null, null, modelDir, "CAUSAL_LM");
    }

    static PeftConfig vera(Args a, String modelDir) throws UsageException {
        int r = a.has("r") ? a.positiveInt("r") : 256;
        double dInitial = a.real("d-initial");
        return new VeraConfig(r, targets(a, "target-modules"), a.longValue("projection-prng-key"),
                !a.bool("no-save-projection"), probability(a, "dropout"), dInitial, false, List.of(), true, null, null,
                modelDir, "CAUSAL_LM");
    }

    static PeftConfig oft(Args a, String modelDir) throws UsageException {
        int r = a.has("r") ? a.positiveInt("r") : 0;
        int block = a.has("r") && !a.has("oft-block-size") ? 0 : a.nonNegativeInt("oft-block-size");
        if (r != 0 && block != 0) throw new UsageException("--r and --oft-block-size exclude each other (r x block size"
                + " = in_features): give one");
        if (r == 0 && block == 0) throw new UsageException("--oft-block-size must be positive (or give --r)");
        double eps = a.real("coft-eps");
        if (!(eps > 0)) throw new UsageException("--coft-eps must be positive, got " + a.string("coft-eps"));
        return new OFTConfig(r, block, 0, targets(a, "target-modules"), false, null, true, null, null, List.of(),
                a.bool("coft"), eps, a.bool("block-share"), true, a.positiveInt("cayley-neumann-terms"), modelDir,
                "CAUSAL_LM");
    }

    static PeftConfig boft(Args a, String modelDir) throws UsageException {
        int num = a.nonNegativeInt("boft-block-num");
        int size = num != 0 && !a.has("boft-block-size") ? 0 : a.nonNegativeInt("boft-block-size");
        if (num != 0 && size != 0) throw new UsageException("--boft-block-size and --boft-block-num exclude each other"
                + " (block size x blocks = in_features): give one");
        if (num == 0 && size == 0) throw new UsageException("--boft-block-size must be positive (or give --boft-block-num)");
        return new BOFTConfig(size, num, a.positiveInt("boft-butterfly-factor"), probability(a, "boft-dropout"),
                targets(a, "target-modules"), null, false, List.of(), true, null, null, modelDir, "CAUSAL_LM");
    }

    static PeftConfig adalora(Args a, String modelDir) throws UsageException {
        int total = a.has("total-step") ? a.positiveInt("total-step") : a.positiveInt("steps");
        try {
            return new AdaLoraConfig(a.positiveInt("init-r"), a.positiveInt("target-r"), a.nonNegativeInt("tinit"),
                    a.nonNegativeInt("tfinal"), a.positiveInt("delta-t"), 0.85, 0.85, a.nonNegativeReal("orth-reg-weight"),
                    total, null, positiveAlpha(a), probability(a, "dropout"), targets(a, "target-modules"), null,
                    List.of(), false, null, null, true, modelDir, "CAUSAL_LM");
        } catch (cortado.peft.PeftException e) {   // the schedule's checks (tinit, tfinal, total_step)
            throw new UsageException("--tinit/--tfinal/--total-step: " + e.getMessage());
        }
    }

    static PeftConfig hra(Args a, String modelDir) throws UsageException {
        return new HRAConfig(a.positiveInt("r"), a.bool("apply-gs"), targets(a, "target-modules"), null, true, null,
                null, List.of(), modelDir, "CAUSAL_LM");
    }

    static PeftConfig fourierft(Args a, String modelDir) throws UsageException {
        double scaling = a.real("scaling");
        if (!Double.isFinite(scaling)) throw new UsageException("--scaling must be a number, got " + a.string("scaling"));
        return new FourierFTConfig(a.positiveInt("n-frequency"), scaling, a.longValue("random-loc-seed"), false,
                targets(a, "target-modules"), null, "none", List.of(), null, null, null, a.bool("zero-init"), modelDir,
                "CAUSAL_LM");
    }

    static PeftConfig trainableTokens(Args a, String modelDir) throws UsageException {
        if (!a.has("token-indices")) throw new UsageException("--method trainable-tokens needs --token-indices I,J,...");
        List<Integer> rows = new java.util.ArrayList<>();   // token 0 is a valid id: not Args.intList (ids >= 1)
        for (String part : a.string("token-indices").split(",", -1)) {
            try {
                rows.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new UsageException("--token-indices expects comma-separated token ids, got '"
                        + a.string("token-indices") + "'");
            }
        }
        try {
            return new TrainableTokensConfig(rows, targets(a, "target-modules"), true, modelDir, "CAUSAL_LM");
        } catch (cortado.peft.PeftException e) {
            throw new UsageException("--token-indices: " + e.getMessage());
        }
    }

    /**
     * adapter-hub's presets (DoubleSeqBnConfig, SeqBnConfig, ParBnConfig) with the flags given; saved as
     * bottleneck_config.json + bottleneck_model.safetensors under adapter-hub's tensor names.
     */
    static PeftConfig bottleneck(Args a, String modelDir, String preset) throws UsageException {
        BottleneckConfig p = BottleneckConfig.preset(preset);
        double rf = p.reductionFactor(), scaling = p.scaling();
        if (a.has("reduction-factor")) {
            rf = a.real("reduction-factor");
            if (!(rf > 0)) throw new UsageException("--reduction-factor must be positive, got " + a.string("reduction-factor"));
        }
        if (a.has("adapter-scaling")) scaling = a.real("adapter-scaling");
        NonLinearity act = p.nonLinearity();
        if (a.has("non-linearity"))
            act = NonLinearity.valueOf(a.choice("non-linearity", Arrays.stream(NonLinearity.values())
                    .map(NonLinearity::hfName).toArray(String[]::new)).toUpperCase(java.util.Locale.ROOT));
        List<Integer> leaveOut = List.of();
        if (a.has("leave-out")) {
            List<Integer> out = new java.util.ArrayList<>();
            for (String part : a.string("leave-out").split(",", -1)) {
                try {
                    int i = Integer.parseInt(part.trim());
                    if (i < 0) throw new NumberFormatException();
                    out.add(i);
                } catch (NumberFormatException e) {
                    throw new UsageException("--leave-out must be layer indices 0,1,... separated by commas, got '"
                            + a.string("leave-out") + "'");
                }
            }
            leaveOut = out;
        }
        return new BottleneckConfig(p.mhAdapter(), p.outputAdapter(), rf, act, p.originalLnBefore(),
                p.originalLnAfter(), p.residualBeforeLn(), p.isParallel(), scaling, p.initWeights(), null, leaveOut,
                probability(a, "dropout"), List.of(), modelDir, "CAUSAL_LM", p.phm());
    }

    /**
     * LLaMA-Adapter: peft has no default for adapter_layers; here it is every layer of the base (its config.json's
     * num_hidden_layers, GPT-2's n_layer).
     */
    static PeftConfig xlora(Args a, String modelDir) throws UsageException {
        if (!a.has("xlora-adapters"))
            throw new UsageException("--method xlora needs --xlora-adapters DIR,... (the LoRA experts)");
        Map<String, String> experts = new java.util.LinkedHashMap<>();
        for (String part : a.string("xlora-adapters").split(",", -1)) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? Integer.toString(experts.size()) : part.substring(0, eq).trim();
            String path = (eq < 0 ? part : part.substring(eq + 1)).trim();
            if (path.isEmpty()) throw new UsageException("--xlora-adapters: an empty directory in '" + a.string("xlora-adapters") + "'");
            if (!name.equals(Integer.toString(experts.size())))
                throw new UsageException("--xlora-adapters: expert names must be 0, 1, ... in order (peft 0.21 needs"
                        + " them so), got '" + name + "' at " + experts.size());
            experts.put(name, path);
        }
        double temperature = a.real("softmax-temperature"), pass = a.real("scaling-pass-value");
        double global = a.real("global-scaling-weight"), dropout = a.nonNegativeReal("xlora-dropout-p");
        Integer topK = a.has("top-k-lora") ? a.positiveInt("top-k-lora") : null;
        try {
            return new cortado.peft.xlora.XLoraConfig(hiddenSize(modelDir), experts, !a.bool("no-softmax"),
                    a.bool("enable-softmax-topk"), a.bool("layerwise-scalings"), a.positiveInt("xlora-depth"),
                    a.positiveInt("xlora-size"), dropout, temperature, topK, pass, global, modelDir, "CAUSAL_LM");
        } catch (cortado.peft.PeftException e) {
            throw new UsageException("--method xlora: " + e.getMessage());
        }
    }

    /** The base's hidden size from its config.json (hidden_size, or GPT-2's n_embd). */
    private static int hiddenSize(String modelDir) {
        java.nio.file.Path cfg = PretrainCommand.modelDir(java.nio.file.Path.of(modelDir)).resolve(cortado.nn.io.HfCheckpoint.CONFIG);
        Object n;
        try {
            Map<String, Object> j = cortado.data.json.Json.parseObject(java.nio.file.Files.readString(cfg));
            n = j.containsKey("hidden_size") ? j.get("hidden_size") : j.get("n_embd");
        } catch (java.io.IOException | RuntimeException e) {
            throw new CliException(cfg + ": cannot read the hidden size: " + e.getMessage());
        }
        if (!(n instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE)
            throw new CliException(cfg + ": no positive hidden_size or n_embd");
        return (int) (long) l;
    }

    static PeftConfig adaptionPrompt(Args a, String modelDir) throws UsageException {
        int layers;
        if (a.has("adapter-layers")) layers = a.positiveInt("adapter-layers");
        else {
            java.nio.file.Path cfg = java.nio.file.Path.of(modelDir).resolve(cortado.nn.io.HfCheckpoint.CONFIG);
            Object n;
            try {
                Map<String, Object> j = cortado.data.json.Json.parseObject(java.nio.file.Files.readString(cfg));
                n = j.containsKey("num_hidden_layers") ? j.get("num_hidden_layers") : j.get("n_layer");
            } catch (java.io.IOException | RuntimeException e) {
                n = null;
            }
            if (!(n instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE)
                throw new UsageException("--method adaption-prompt: " + cfg + " gives no layer count"
                        + " (num_hidden_layers or n_layer): give --adapter-layers N");
            layers = (int) (long) l;
        }
        return new AdaptionPromptConfig(null, a.positiveInt("adapter-len"), layers, modelDir, "CAUSAL_LM");
    }

    static PeftConfig lnTuning(Args a, String modelDir) throws UsageException {
        return new LNTuningConfig(targets(a, "target-modules"), null, List.of(), modelDir, "CAUSAL_LM");
    }

    private static double positiveAlpha(Args a) throws UsageException {
        double alpha = a.real("alpha");
        if (!(alpha > 0)) throw new UsageException("--alpha must be positive, got " + a.string("alpha"));
        return alpha;
    }

    private static double probability(Args a, String flag) throws UsageException {
        double p = a.nonNegativeReal(flag);
        if (p >= 1) throw new UsageException("--" + flag + " must be below 1, got " + a.string(flag));
        return p;
    }

    static PeftConfig dora(Args a, String modelDir) throws UsageException {
        return ((LoraConfig) lora(a, modelDir)).withDora(true);
    }

    static PeftConfig lora(Args a, String modelDir) throws UsageException {
        int r = a.positiveInt("r");
        double alpha = a.real("alpha");
        if (!(alpha > 0)) throw new UsageException("--alpha must be positive, got " + a.string("alpha"));
        double dropout = a.nonNegativeReal("dropout");
        if (dropout >= 1) throw new UsageException("--dropout must be below 1, got " + a.string("dropout"));
        String init = a.choice("init", INITS.toArray(String[]::new));
        if (a.has("loftq-iter") && !init.equals("loftq"))
            throw new UsageException("--loftq-iter applies to --init loftq, not --init " + init);
        int loftqIter = a.positiveInt("loftq-iter");
        LoraConfig c = new LoraConfig(r, alpha, targets(a, "target-modules"), null, dropout, Bias.NONE, List.of(),
                a.bool("rslora"), false, null, null, null, null, true, modelDir, "CAUSAL_LM");
        if (init.equals("kaiming")) return c;
        LoraInit i = LoraInit.fromJson(init, "--init");
        return c.withInit(i, i == LoraInit.LOFTQ ? new LoftqConfig(4, loftqIter) : null);
    }

    static PeftConfig ia3(Args a, String modelDir) throws UsageException {
        return new IA3Config(targets(a, "target-modules"), null, targets(a, "feedforward-modules"), false, List.of(),
                true, modelDir, "CAUSAL_LM");
    }

    static PeftConfig bitfit(Args a, String modelDir) throws UsageException {
        return new BitFitConfig(targets(a, "target-modules"), null, List.of(), modelDir, "CAUSAL_LM");
    }

    private static TargetModules targets(Args a, String flag) throws UsageException {
        return a.has(flag) ? targets(a.string(flag), "--" + flag) : null;
    }

    /** {@code all-linear}, a regex (the value has a regex metacharacter), or a comma list of names. */
    static TargetModules targets(String v, String flag) throws UsageException {
        String s = v.strip();
        if (s.isEmpty()) throw new UsageException(flag + " is empty");
        if (s.equalsIgnoreCase(TargetModules.ALL_LINEAR)) return TargetModules.allLinear();
        if (s.chars().anyMatch(c -> "\\^$.|?*+()[]{}".indexOf(c) >= 0)) {
            try {
                java.util.regex.Pattern.compile(s);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new UsageException(flag + " '" + s + "' is not a valid regex: " + e.getDescription());
            }
            return TargetModules.regex(s);
        }
        List<String> names = Arrays.stream(s.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
        if (names.isEmpty()) throw new UsageException(flag + " '" + v + "' names no module");
        return new TargetModules(names, null);
    }
}
