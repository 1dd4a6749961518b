package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.grow.GrowthException;
import cortado.nn.grow.ModelGrowth;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.ConfigException;
import cortado.nn.models.ConfigOverrides;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Models;
import cortado.train.TokenData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code pretrain --init-from SMALL_DIR}: the model to pretrain grown from a smaller trained one ({@link ModelGrowth}).
 * The child's shape is {@code --model} (a preset or a config-only directory, fitted to the parent's tokenizer) or, by
 * default, the parent's own config.json; {@code --config} changes either.
 *
 * @param parentDir the parent's checkpoint directory (its tokenizer files serve the child)
 */
record GrownModel(CausalLm parent, CausalLm child, Path parentDir, ModelGrowth.Mode mode) {

    static ModelGrowth.Mode mode(Args a) throws UsageException {
        return a.choice("grow", "preserve", "depth-upscale").equals("preserve") ? ModelGrowth.Mode.PRESERVE
                : ModelGrowth.Mode.DEPTH_UPSCALE;
    }

    static GrownModel build(Args a, Path explicitTokenizer, long seed) throws UsageException {
        Path dir = PretrainCommand.modelDir(Path.of(a.string("init-from")));
        if (!Files.isRegularFile(dir.resolve(HfCheckpoint.CONFIG)) || FreshModel.isConfigOnly(dir))
            throw new CliException("--init-from " + a.string("init-from") + ": not a checkpoint directory (config.json"
                    + " and model.safetensors)");
        if (QuantizeCommand.isQuantized(dir))
            throw new CliException("--init-from " + dir + ": a quantized model; run cortado dequantize first");
        CausalLm parent = HfCheckpoint.load(dir);
        ModelConfig childConfig;
        if (a.has("model")) {
            if (!FreshModel.isFresh(a.string("model")))
                throw new UsageException("--init-from grows into a new model: --model must be a preset or a directory"
                        + " holding only config.json, not " + a.string("model"));
            Tokenizer fit = FreshModel.tokenizer(a.string("model"), explicitTokenizer != null ? explicitTokenizer
                    : cortado.data.tokenizer.Tokenizers.hasTokenizer(dir) ? dir : null);
            childConfig = FreshModel.config(a.string("model"), a.string("config"), fit);
        } else {
            if (!a.has("config"))
                throw new UsageException("--init-from needs the larger shape: --config K=V,... (changes the parent's"
                        + " config.json) or --model PRESET|DIR");
            Map<String, Object> json = HfCheckpoint.readConfig(dir);
            try {
                childConfig = Models.config(ConfigOverrides.apply(json, ConfigOverrides.parse(a.string("config"))));
            } catch (ConfigException e) {
                throw new UsageException(e.getMessage());
            }
        }
        ModelGrowth.Mode mode = mode(a);
        try {
            return new GrownModel(parent, ModelGrowth.grow(parent, childConfig, mode, seed), dir, mode);
        } catch (GrowthException e) {
            throw new CliException("--init-from " + dir + ": " + e.getMessage());
        }
    }

    /** The start line: sizes, and the child's held-out loss before any step next to the parent's on the same tokens. */
    void report(TokenData val, int seq, int batch, PrintStream o) {
        o.printf(Locale.ROOT, "grown (%s) from %s: %s -> %s parameters%n",
                mode == ModelGrowth.Mode.PRESERVE ? "function-preserving" : "depth up-scaling", parentDir,
                TrainingRun.count(parent.module().parameterCount()), TrainingRun.count(child.module().parameterCount()));
        if (val == null) return;
        double p = ValidationPerplexity.evaluate(parent, val, seq, batch).loss();
        double c = ValidationPerplexity.evaluate(child, val, seq, batch).loss();
        o.printf(Locale.ROOT, "held-out loss before training: %.6f (parent %.6f, difference %.2e)%n", c, p, c - p);
    }
}
