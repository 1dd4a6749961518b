package cortado.peft;

import cortado.peft.adaptionprompt.AdaptionPromptConfig;
import cortado.peft.bitfit.BitFitConfig;
import cortado.peft.boft.BOFTConfig;
import cortado.peft.fourierft.FourierFTConfig;
import cortado.peft.ia3.IA3Config;
import cortado.peft.lntuning.LNTuningConfig;
import cortado.peft.loha.LoHaConfig;
import cortado.peft.lokr.LoKrConfig;
import cortado.peft.lora.LoraConfig;
import cortado.peft.oft.OFTConfig;
import cortado.peft.vera.VeraConfig;
import java.util.List;

/**
 * A config from a method name and the options a command line gives ({@code finetune --method lora --r 16 ...}), with
 * peft's defaults for what is not given; then {@code PeftModel.wrap(model, config, seed)}. QLoRA is LoRA over a
 * base quantized first (the caller quantizes, e.g. with {@code ModelQuantizer}); full fine-tuning is no PEFT method.
 */
public final class PeftMethods {
    private PeftMethods() {}

    /** The method names {@link #config} takes. */
    public static final List<String> NAMES = List.of("lora", "qlora", "ia3", "bitfit", "loha", "lokr", "vera", "oft",
            "boft", "ln-tuning", "fourierft", "adaption-prompt");

    /**
     * Options, each null (or false) for the method's default.
     *
     * @param r             LoRA, LoHa, LoKr rank (peft default 8); VeRA's shared rank (default 256); OFT's blocks
     *                      per layer (default: none, oft_block_size 32 instead); BOFT's blocks per layer
     *                      (default: none, boft_block_size 4 instead); FourierFT's n_frequency (default
     *                      1000)
     * @param alpha         LoRA, LoHa, LoKr alpha (peft default 8)
     * @param dropout       LoRA dropout (default 0)
     * @param targets       target_modules (null: the architecture's default; BitFit: every bias)
     * @param rslora        LoRA scaling alpha/sqrt(r)
     * @param feedforward   IA3's feedforward_modules (null: the architecture's default)
     * @param modulesToSave modules trained whole (a task head), or null
     * @param adapterLayers adaption-prompt's adapter_layers (required: peft has no default); its adapter_len is
     *                      {@code r} (default 10, the LLaMA-Adapter paper's)
     */
    public record Options(Integer r, Double alpha, Double dropout, TargetModules targets, boolean rslora,
                          TargetModules feedforward, List<String> modulesToSave, Integer adapterLayers) {
        public Options(Integer r, Double alpha, Double dropout, TargetModules targets, boolean rslora,
                       TargetModules feedforward, List<String> modulesToSave) {
            this(r, alpha, dropout, targets, rslora, feedforward, modulesToSave, null);
        }

        public static Options defaults() { return new Options(null, null, null, null, false, null, null); }
    }

    /** The config of {@code method} (one of {@link #NAMES}); an unknown name is an error listing them. */
    public static PeftConfig config(String method, Options o) {
        return switch (method) {
            case "lora", "qlora" -> {
                LoraConfig c = LoraConfig.of(o.r() == null ? 8 : o.r(), o.alpha() == null ? 8 : o.alpha(), o.targets());
                if (o.dropout() != null) c = c.withDropout(o.dropout());
                if (o.rslora()) c = c.withRslora(true);
                if (o.modulesToSave() != null)
                    c = new LoraConfig(c.r(), c.loraAlpha(), c.targetModules(), c.excludeModules(), c.loraDropout(),
                            c.bias(), o.modulesToSave(), c.useRslora(), c.fanInFanOut(), c.layersToTransform(),
                            c.layersPattern(), c.rankPattern(), c.alphaPattern(), c.init(),
                            c.baseModelNameOrPath(), c.taskType(), c.useDora(), c.loftqConfig());
                yield c;
            }
            case "ia3" -> IA3Config.of(o.targets(), o.feedforward()).withModulesToSave(o.modulesToSave());
            case "bitfit" -> new BitFitConfig(o.targets(), null, o.modulesToSave(), null, null);
            case "loha" -> LoHaConfig.of(o.r() == null ? 8 : o.r(), o.alpha() == null ? 8 : o.alpha(), o.targets())
                    .withModulesToSave(o.modulesToSave());
            case "lokr" -> LoKrConfig.of(o.r() == null ? 8 : o.r(), o.alpha() == null ? 8 : o.alpha(), o.targets())
                    .withModulesToSave(o.modulesToSave());
            case "vera" -> VeraConfig.of(o.r() == null ? 256 : o.r(), o.targets()).withModulesToSave(o.modulesToSave());
            case "oft" -> (o.r() == null ? OFTConfig.ofBlockSize(32, o.targets())
                    : new OFTConfig(o.r(), 0, 0, o.targets(), false, null, true, null, null, null, false, 6e-5, false,
                            true, 5, null, null)).withModulesToSave(o.modulesToSave());
            case "boft" -> (o.r() == null ? BOFTConfig.of(4, 1, o.targets()) : BOFTConfig.ofBlockNum(o.r(), 1, o.targets()))
                    .withModulesToSave(o.modulesToSave());
            case "fourierft" -> FourierFTConfig.of(o.r() == null ? 1000 : o.r(), 150.0, o.targets())
                    .withModulesToSave(o.modulesToSave());
            case "ln-tuning" -> LNTuningConfig.of(o.targets()).withModulesToSave(o.modulesToSave());
            case "adaption-prompt" -> {
                if (o.adapterLayers() == null)
                    throw new PeftException("adaption-prompt needs adapter_layers (peft has no default)");
                if (o.targets() != null || o.modulesToSave() != null)
                    throw new PeftException("adaption-prompt takes no target or modules_to_save options (it adapts"
                            + " the model type's attention modules)");
                yield new AdaptionPromptConfig(null, o.r() == null ? 10 : o.r(), o.adapterLayers(), null, "CAUSAL_LM");
            }
            default -> throw new PeftException("unknown PEFT method \"" + method + "\" (methods: "
                    + String.join(", ", NAMES) + ")");
        };
    }
}
