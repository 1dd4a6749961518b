package cortado.cli;

import cortado.nn.LayerNorm;
import cortado.nn.Module;
import cortado.nn.RMSNorm;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.train.Batches;
import cortado.train.PromptCompletion;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.util.List;

/**
 * Fine-tuning the demo model on its question set, three ways from the same pretrained weights: every weight (full),
 * LoRA on every linear layer over the fp32 base, and QLoRA: the linear layers quantized to NF4 with double
 * quantization (bitsandbytes' {@code bnb_4bit_quant_type="nf4"}, {@code bnb_4bit_use_double_quant=True}, blocks of
 * 64), LoRA on top. All train with the existing {@link Trainer} on completion-only rows ({@link Batches#examples}:
 * the story and question are read, only the answer is scored).
 */
public final class QaFinetune {
    public enum Method { FULL, LORA, QLORA }

    /**
     * @param lr     peak learning rate (cosine to lr/10, linear warmup); LoRA's adapters want a higher one than full
     *               fine-tuning, as usual
     * @param r      LoRA rank (PEFT's {@code r})
     * @param alpha  LoRA alpha: the update is scaled by alpha / r (the QLoRA paper: 16 at r 8)
     * @param trainNorms LoRA and QLoRA also train the model's normalization layers (PEFT's modules_to_save, saved
     *               with the adapter): LongLoRA's finding (Chen et al. 2023, §3.3) that trainable norms close most of
     *               LoRA's gap to full fine-tuning, for a few thousand more parameters
     */
    public record Recipe(Method method, int steps, int batch, int seq, float lr, int warmup, int r, double alpha,
                         double dropout, boolean trainNorms, long seed) {
        public Recipe withMethod(Method m, float newLr) {
            return new Recipe(m, steps, batch, seq, newLr, warmup, r, alpha, dropout, trainNorms, seed);
        }

        public Recipe withSteps(int n) {
            return new Recipe(method, n, batch, seq, lr, Math.min(warmup, n / 10), r, alpha, dropout, trainNorms, seed);
        }

        public Recipe withAdapter(double newAlpha, double newDropout, boolean norms) {
            return new Recipe(method, steps, batch, seq, lr, warmup, r, newAlpha, newDropout, norms, seed);
        }
    }

    /** Rows of the model's full context (every example fits: make_demo_qa.py checks it). */
    public static final int SEQ = 256;
    static final int BLOCKSIZE = 64;

    private QaFinetune() {}

    /**
     * Readies {@code model} for {@code method} in place: nothing for full fine-tuning (every parameter trains),
     * adapters for LoRA, quantization then adapters for QLoRA. Returns the PeftModel, or null for full.
     */
    public static PeftModel prepare(CausalLm model, Recipe r) { return prepare(model, r, null); }

    /** As {@link #prepare(CausalLm, Recipe)}, the adapter naming {@code baseModel} as its base_model_name_or_path. */
    public static PeftModel prepare(CausalLm model, Recipe r, String baseModel) {
        return prepare(model, r, baseModel, java.util.function.UnaryOperator.identity());
    }

    /** As above, with {@code adjust} applied to the recipe's LoRA config (e.g. another init, DoRA, rsLoRA). */
    public static PeftModel prepare(CausalLm model, Recipe r, String baseModel,
                                    java.util.function.UnaryOperator<LoraConfig> adjust) {
        if (r.method() == Method.FULL) return null;
        if (r.method() == Method.QLORA)
            ModelQuantizer.quantize(model, new QuantizeSpec("nf4", BLOCKSIZE, true, QuantizeSpec.DEFAULT_SKIP));
        LoraConfig c = LoraConfig.of(r.r(), r.alpha(), TargetModules.allLinear()).withDropout(r.dropout())
                .withBaseModel(baseModel);
        if (r.trainNorms()) c = c.withModulesToSave(normNames(model.module()));
        c = adjust.apply(c);
        return PeftModel.wrap(model, c, r.seed());
    }

    /**
     * The names the model's LayerNorm / RMSNorm modules end with ({@code ln_1, ln_2, ln_f} for GPT-2), as
     * modules_to_save entries; peft matches each as a suffix of module names.
     */
    static List<String> normNames(Module root) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        root.namedModules().forEach((path, m) -> {
            if (m instanceof LayerNorm || m instanceof RMSNorm) names.add(path.substring(path.lastIndexOf('.') + 1));
        });
        return List.copyOf(names);
    }

    /** A trainer of the model's trainable parameters on completion-only rows of {@code train}. */
    public static Trainer trainer(CausalLm model, Recipe r, List<PromptCompletion> train) {
        return new Trainer(model, config(r), Batches.examples(train, r.batch(), r.seq(), r.seed()), null);
    }

    /** As above, with the optimizer {@code optimizer} builds (cortado peft-compare: a method's own, e.g. paged). */
    public static Trainer trainer(CausalLm model, Recipe r, List<PromptCompletion> train,
                           java.util.function.Function<java.util.Map<String, cortado.nn.Parameter>,
                                   cortado.train.Optimizer> optimizer) {
        return new Trainer(model, config(r), Batches.examples(train, r.batch(), r.seq(), r.seed()), null, optimizer);
    }

    /** The recipe's schedule: cosine after linear warmup, no weight decay, gradients clipped at norm 1. */
    private static TrainConfig config(Recipe r) {
        return new TrainConfig(r.steps(), r.batch(), r.seq(), r.lr(), r.warmup(), "cosine", 0f, 1.0f, 1,
                0, 1, r.seed(), false, 0);
    }
}
