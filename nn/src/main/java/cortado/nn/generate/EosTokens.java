package cortado.nn.generate;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The end-of-sequence ids generation stops at, found as transformers finds them: {@code generation_config.json}'s
 * {@code eos_token_id} (an int or a list) when the checkpoint has that file and it names one, else
 * {@code config.json}'s.
 */
public final class EosTokens {
    public static final String GENERATION_CONFIG = "generation_config.json";

    private EosTokens() {}

    /** The ids for the model in {@code dir} (null: a preset without files, so only {@code config}'s). */
    public static List<Integer> of(ModelConfig config, Path dir) {
        if (dir != null) {
            Path file = dir.resolve(GENERATION_CONFIG);
            if (Files.isRegularFile(file)) {
                List<Integer> ids = read(file);
                if (ids != null) return ids;
            }
        }
        return config.eosTokenIds();
    }

    /**
     * The ids a reply ends at: {@link #of}, else the tokenizer's end-of-text token when it has one (a checkpoint that
     * names no eos_token_id).
     */
    public static Set<Integer> orEndOfText(ModelConfig config, Path dir, Tokenizer tokenizer) {
        Set<Integer> eos = new HashSet<>(of(config, dir));
        if (eos.isEmpty() && tokenizer.endOfTextId() >= 0) eos.add(tokenizer.endOfTextId());
        return eos;
    }

    /** {@code eos_token_id} of a generation_config.json; null when the field is absent or null. */
    static List<Integer> read(Path file) {
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(file));
        } catch (IOException e) {
            throw CheckpointException.at(file, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw CheckpointException.at(file, e.getMessage(), e);
        }
        Object v = json.get("eos_token_id");
        if (v == null) return null;
        List<Integer> ids = new ArrayList<>();
        for (Object o : v instanceof List<?> list ? list : List.of(v)) {
            if (!(o instanceof Long l) || l < 0 || l > Integer.MAX_VALUE)
                throw CheckpointException.at(file, "eos_token_id must be a token id or a list of them, got " + Json.write(v));
            ids.add(l.intValue());
        }
        return List.copyOf(ids);
    }
}
