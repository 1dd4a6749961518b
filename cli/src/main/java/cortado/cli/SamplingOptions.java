package cortado.cli;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.generate.SamplingParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The sampling and stopping options {@code generate} and {@code chat} share, declared and read in one place. */
final class SamplingOptions {
    private SamplingOptions() {}

    /** Declares the options on {@code a}, with {@code temperature} as the default temperature. */
    static Args declare(Args a, String temperature) {
        return a.option("max-new-tokens", "N", "most tokens to generate per prompt", "200")
                .option("temperature", "X", "sampling temperature; 0 = greedy", temperature)
                .option("top-k", "K", "sample among the K most likely tokens; 0 = all", "0")
                .option("top-p", "P", "nucleus sampling: the smallest set of tokens with probability >= P", "1.0")
                .option("min-p", "P", "drop tokens less likely than P times the most likely one; 0 = off", "0")
                .option("repetition-penalty", "X", "transformers' repetition penalty on every token seen (prompt"
                        + " included); 1 = off", "1.0")
                .option("frequency-penalty", "X", "OpenAI's: subtract X per earlier occurrence in the completion", "0")
                .option("presence-penalty", "X", "OpenAI's: subtract X once from tokens already in the completion", "0")
                .option("logit-bias", "JSON", "bias added to token logits, e.g. '{\"50256\": -100}'", null)
                .repeatable("stop", "STR", "stop when the completion contains STR (cut before it)")
                .option("seed", "S", "seed of the sampler", "1");
    }

    static SamplingParams params(Args a) throws UsageException {
        float temperature = (float) a.nonNegativeReal("temperature");
        int topK = a.nonNegativeInt("top-k");
        float topP = (float) a.real("top-p");
        if (!(topP > 0 && topP <= 1)) throw new UsageException("--top-p must lie in (0, 1], got " + a.string("top-p"));
        float minP = (float) a.real("min-p");
        if (!(minP >= 0 && minP <= 1)) throw new UsageException("--min-p must lie in [0, 1], got " + a.string("min-p"));
        float repetition = (float) a.real("repetition-penalty");
        if (!(repetition > 0)) throw new UsageException("--repetition-penalty must be > 0, got "
                + a.string("repetition-penalty"));
        float frequency = (float) a.real("frequency-penalty"), presence = (float) a.real("presence-penalty");
        return new SamplingParams(temperature, topK, topP, minP, repetition, frequency, presence, logitBias(a),
                a.longValue("seed"));
    }

    static List<String> stops(Args a) throws UsageException {
        List<String> stops = a.strings("stop");
        for (String s : stops) if (s.isEmpty()) throw new UsageException("--stop needs a non-empty string");
        return stops;
    }

    private static Map<Integer, Float> logitBias(Args a) throws UsageException {
        String v = a.string("logit-bias");
        if (v == null) return Map.of();
        Map<String, Object> json;
        try {
            json = Json.parseObject(v);
        } catch (JsonException e) {
            throw new UsageException("--logit-bias expects a JSON object of token id to bias: " + e.getMessage());
        }
        Map<Integer, Float> bias = new HashMap<>();
        for (var e : json.entrySet()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw new UsageException("--logit-bias: key '" + e.getKey() + "' is not a token id");
            }
            if (id < 0) throw new UsageException("--logit-bias: token id " + id + " is negative");
            if (!(e.getValue() instanceof Number n) || !Double.isFinite(n.doubleValue()))
                throw new UsageException("--logit-bias: the bias of token " + id + " must be a number, got "
                        + Json.write(e.getValue()));
            bias.put(id, n.floatValue());
        }
        return bias;
    }
}
