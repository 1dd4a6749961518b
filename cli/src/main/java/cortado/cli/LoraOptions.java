package cortado.cli;

import cortado.peft.Bias;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import java.util.Arrays;
import java.util.List;

/**
 * The LoRA-family flags of {@code cortado finetune} ({@code --r --alpha --dropout --target-modules --rslora --init})
 * and the {@link LoraConfig} they make. Defaults are peft 0.21's {@code LoraConfig} defaults (r 8, alpha 8, dropout
 * 0, the architecture's default targets).
 */
final class LoraOptions {
    /** What {@code --init} accepts: PEFT's {@code init_lora_weights} values that this build implements. */
    static final List<String> INITS = List.of("kaiming");

    private LoraOptions() {}

    static Args declare(Args a) {
        return a.option("r", "R", "LoRA rank", "8")
                .option("alpha", "A", "LoRA alpha: the update is scaled by alpha/r (alpha/sqrt(r) with --rslora)", "8")
                .option("dropout", "P", "dropout on the adapter's input (lora_dropout)", "0")
                .option("target-modules", "SPEC", "the layers that get an adapter, as PEFT's target_modules: a comma"
                        + " list of module names (each matches a name equal to it or ending in .NAME, e.g. q_proj,v_proj),"
                        + " a regex the whole dotted name must match (any value with regex characters, e.g."
                        + " '.*\\.(q|v)_proj'), or all-linear (every linear layer but the output head); default: the"
                        + " architecture's PEFT default (gpt2 c_attn; llama, mistral, qwen2, qwen3 q_proj,v_proj)", null)
                .flag("rslora", "rank-stabilized LoRA: scale by alpha/sqrt(r) (use_rslora)")
                .option("init", String.join("|", INITS), "adapter initialization (init_lora_weights): kaiming is A"
                        + " kaiming-uniform, B zero, so training starts from the base model", "kaiming");
    }

    /** The config the flags describe, for the base at {@code modelDir} (its base_model_name_or_path). */
    static LoraConfig config(Args a, String modelDir) throws UsageException {
        int r = a.positiveInt("r");
        double alpha = a.real("alpha");
        if (!(alpha > 0)) throw new UsageException("--alpha must be positive, got " + a.string("alpha"));
        double dropout = a.nonNegativeReal("dropout");
        if (dropout >= 1) throw new UsageException("--dropout must be below 1, got " + a.string("dropout"));
        a.choice("init", INITS.toArray(String[]::new));
        TargetModules targets = a.has("target-modules") ? targets(a.string("target-modules")) : null;
        return new LoraConfig(r, alpha, targets, null, dropout, Bias.NONE, List.of(), a.bool("rslora"), false, null,
                null, null, null, true, modelDir, "CAUSAL_LM");
    }

    /** {@code all-linear}, a regex (the value has a regex metacharacter), or a comma list of names. */
    static TargetModules targets(String v) throws UsageException {
        String s = v.strip();
        if (s.isEmpty()) throw new UsageException("--target-modules is empty");
        if (s.equalsIgnoreCase(TargetModules.ALL_LINEAR)) return TargetModules.allLinear();
        if (s.chars().anyMatch(c -> "\\^$.|?*+()[]{}".indexOf(c) >= 0)) {
            try {
                java.util.regex.Pattern.compile(s);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new UsageException("--target-modules '" + s + "' is not a valid regex: " + e.getDescription());
            }
            return TargetModules.regex(s);
        }
        List<String> names = Arrays.stream(s.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
        if (names.isEmpty()) throw new UsageException("--target-modules '" + v + "' names no module");
        return new TargetModules(names, null);
    }
}
