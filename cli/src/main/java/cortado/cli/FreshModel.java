package cortado.cli;

import cortado.data.tokenizer.BpeTokenizer;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.ConfigException;
import cortado.nn.models.ConfigOverrides;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Models;
import cortado.nn.models.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration of a model that has no weights yet: a preset, or a directory holding a config.json and no
 * weight files, changed by {@code --config key=value,...} ({@link ConfigOverrides}) and fitted to its tokenizer:
 * vocab_size becomes the tokenizer's size (added tokens included) and the end-of-text (and, where the tokenizer has
 * one, beginning-of-text) ids become the tokenizer's, unless {@code --config} sets them.
 */
final class FreshModel {
    private FreshModel() {}

    /** Whether {@code dir} holds a config.json but no weights: a model to initialize, not to load. */
    static boolean isConfigOnly(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(HfCheckpoint.CONFIG))
                && !Files.exists(dir.resolve(HfCheckpoint.WEIGHTS)) && !Files.exists(dir.resolve(HfCheckpoint.INDEX));
    }

    /** Whether {@code spec} names a model without weights (a preset, or a config-only directory). */
    static boolean isFresh(String spec) {
        Path p = PretrainCommand.modelDir(Path.of(spec));
        if (Files.isDirectory(p)) return isConfigOnly(p);
        return Presets.names().contains(spec);
    }

    /**
     * The tokenizer a fresh model follows: {@code --tokenizer}, else the tokenizer files beside a config-only
     * config.json, else null (a preset keeps its vocabulary).
     */
    static Tokenizer tokenizer(String spec, Path explicit) {
        if (explicit != null) return Tokenizers.open(explicit);
        Path p = PretrainCommand.modelDir(Path.of(spec));
        return Files.isDirectory(p) && Tokenizers.hasTokenizer(p) ? Tokenizers.open(p) : null;
    }

    /**
     * The config.json of the fresh model {@code spec} names, with {@code tokenizer}'s vocabulary and special ids
     * (when not null) and then {@code overrides} (a --config value, or null).
     */
    static Map<String, Object> configJson(String spec, String overrides, Tokenizer tokenizer) throws UsageException {
        Path p = PretrainCommand.modelDir(Path.of(spec));
        Map<String, Object> json;
        if (Files.isDirectory(p)) {
            if (!isConfigOnly(p)) throw new IllegalArgumentException(spec + " holds weights");
            json = HfCheckpoint.readConfig(p);
        } else if (Presets.names().contains(spec)) {
            json = Presets.config(spec).toHfJson();
        } else {
            throw new UsageException("unknown model '" + spec + "': not a directory and not a preset ("
                    + String.join(", ", Presets.names()) + ")");
        }
        String where = Files.isDirectory(p) ? p.resolve(HfCheckpoint.CONFIG).toString() : "preset " + spec;
        try {
            Models.config(json);   // the file itself first, so its own errors name it
        } catch (ConfigException e) {
            throw new CliException(where + ": " + e.getMessage().replaceFirst("^config\\.json: ", ""));
        }
        try {   // a bad --config is a usage error (exit 2)
            Map<String, Object> changes = overrides == null ? Map.of() : ConfigOverrides.parse(overrides);
            if (tokenizer != null) json = fitTo(json, tokenizer, changes);
            return changes.isEmpty() ? json : ConfigOverrides.apply(json, changes);
        } catch (ConfigException e) {
            if (!e.getMessage().startsWith("--config")) throw new CliException(where + ": " + e.getMessage());
            throw new UsageException(e.getMessage());
        }
    }

    /** The ModelConfig of {@link #configJson}. */
    static ModelConfig config(String spec, String overrides, Tokenizer tokenizer) throws UsageException {
        return Models.config(configJson(spec, overrides, tokenizer));
    }

    /** vocab_size, eos_token_id and bos_token_id from the tokenizer, except the ones --config sets itself. */
    private static Map<String, Object> fitTo(Map<String, Object> json, Tokenizer tok, Map<String, Object> changes) {
        Map<String, Object> out = new LinkedHashMap<>(json);
        boolean gpt2 = "gpt2".equals(json.get("model_type"));
        if (!changes.containsKey("vocab_size")) out.put("vocab_size", (long) tok.vocabSize());
        int eos = tok.endOfTextId();
        if (!changes.containsKey("eos_token_id")) out.put("eos_token_id", eos >= 0 ? (Object) (long) eos : null);
        if (!changes.containsKey("bos_token_id")) {
            // GPT-2 begins and ends with <|endoftext|>; Llama-family tokenizers have their own begin token, or none.
            int bos = gpt2 ? eos : special(tok, List.of("<|begin_of_text|>", "<s>", "<|startoftext|>"));
            out.put("bos_token_id", bos >= 0 ? (Object) (long) bos : null);
        }
        return out;
    }

    /** The id of the first of {@code names} the tokenizer has as a token, or -1. */
    private static int special(Tokenizer tok, List<String> names) {
        for (String n : names) {
            int id = switch (tok) {
                case HfTokenizer h -> h.tokenId(n);
                case BpeTokenizer b -> b.specialTokens().getOrDefault(n, -1);
                default -> -1;
            };
            if (id >= 0) return id;
        }
        return -1;
    }
}
