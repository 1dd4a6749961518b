package cortado.nn.models;

import cortado.nn.RopeScaling;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a config.json's rotary embedding as transformers 5 does ({@code RotaryEmbeddingConfigMixin}): the
 * parameters come from {@code rope_scaling} (transformers 4's name) or else {@code rope_parameters}; rope_theta from
 * inside them, else the top-level {@code rope_theta}, else 10000; the type from {@code rope_type}, else the legacy
 * {@code type}, else "default"; llama3 and yarn take {@code original_max_position_embeddings} from the top level when
 * the config has it there (Phi-3's spelling), else from inside, else max_position_embeddings. Every key inside is
 * either used or refused: longrope and partial rotation are not implemented.
 */
public final class RopeParameters {
    private RopeParameters() {}

    public static RopeScaling read(HfConfigFields f, int maxPositions) {
        Map<String, Object> scaling = f.object("rope_scaling"), params = f.object("rope_parameters");
        if (scaling != null && params != null && !scaling.equals(params))
            throw new ConfigException("config.json: rope_scaling and rope_parameters differ (transformers would read only"
                    + " rope_scaling); keep one of them");
        double topTheta = f.real("rope_theta", 10000.0);
        Double partial = f.has("partial_rotary_factor") ? f.real("partial_rotary_factor", 1.0) : null;
        if (partial != null && partial != 1.0)
            throw new ConfigException("config.json: partial_rotary_factor = " + partial
                    + " is not supported (every head dimension is rotated)");
        Map<String, Object> chosen = scaling != null ? scaling : params;
        if (chosen == null) return new RopeScaling.Default(topTheta);
        String name = scaling != null ? "rope_scaling." : "rope_parameters.";
        HfConfigFields r = new HfConfigFields(chosen, name);
        double theta = r.real("rope_theta", topTheta);
        String typeAlias = r.string("type", "default");
        String type = r.string("rope_type", typeAlias);
        Double innerPartial = r.has("partial_rotary_factor") ? r.real("partial_rotary_factor", 1.0) : null;
        if (innerPartial != null && innerPartial != 1.0)
            throw new ConfigException("config.json: " + name + "partial_rotary_factor = " + innerPartial
                    + " is not supported (every head dimension is rotated)");
        RopeScaling out = switch (type) {
            case "default" -> new RopeScaling.Default(theta);
            case "linear" -> new RopeScaling.Linear(theta, factor(r, name));
            case "dynamic" -> new RopeScaling.Dynamic(theta, factor(r, name), maxPositions);
            case "llama3" -> new RopeScaling.Llama3(theta, factor(r, name), required(r, name, "low_freq_factor"),
                    required(r, name, "high_freq_factor"), originalMax(f, r, maxPositions));
            case "yarn" -> {
                int original = originalMax(f, r, maxPositions);
                double factor = r.has("factor") ? r.real("factor", 1.0) : (double) maxPositions / original;
                Double attention = r.has("attention_factor") ? r.real("attention_factor", 1.0) : null;
                // transformers: `rope_parameters.get("beta_fast") or 32`, so 0 also means the default.
                double betaFast = r.real("beta_fast", 0), betaSlow = r.real("beta_slow", 0);
                yield new RopeScaling.Yarn(theta, factor, original, attention, betaFast == 0 ? 32 : betaFast,
                        betaSlow == 0 ? 1 : betaSlow, r.real("mscale", 0), r.real("mscale_all_dim", 0),
                        r.bool("truncate", true));
            }
            default -> throw new ConfigException("config.json: " + name + "rope_type = " + HfConfigFields.show(type)
                    + " is not supported (supported: default, linear, dynamic, llama3, yarn)");
        };
        r.rejectUnread("rope_type \"" + type + "\"");
        return out;
    }

    private static double factor(HfConfigFields r, String name) {
        double factor = required(r, name, "factor");
        if (!(factor >= 1.0) || Double.isInfinite(factor))
            throw new ConfigException("config.json: " + name + "factor must be a number >= 1, got " + factor);
        return factor;
    }

    private static double required(HfConfigFields r, String name, String key) {
        if (!r.has(key)) throw new ConfigException("config.json: " + name + key + " is missing (the rope type needs it)");
        double v = r.real(key, 0);
        if (!Double.isFinite(v)) throw new ConfigException("config.json: " + name + key + " must be finite, got " + v);
        return v;
    }

    private static int originalMax(HfConfigFields top, HfConfigFields r, int maxPositions) {
        Integer outer = top.optionalInteger("original_max_position_embeddings");
        Integer inner = r.optionalInteger("original_max_position_embeddings");
        int v = outer != null ? outer : inner != null ? inner : maxPositions;
        HfConfigFields.requirePositive("original_max_position_embeddings", v);
        return v;
    }

    /** The rope fields of a config.json: rope_theta, rope_parameters and, for a scaled type, the same as rope_scaling. */
    public static void write(RopeScaling rope, Map<String, Object> out) {
        out.put("rope_theta", rope.theta());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("rope_type", rope.type());
        p.put("rope_theta", rope.theta());
        switch (rope) {
            case RopeScaling.Default d -> { }
            case RopeScaling.Linear l -> p.put("factor", l.factor());
            case RopeScaling.Dynamic d -> p.put("factor", d.factor());
            case RopeScaling.Llama3 l -> {
                p.put("factor", l.factor());
                p.put("low_freq_factor", l.lowFreqFactor());
                p.put("high_freq_factor", l.highFreqFactor());
                p.put("original_max_position_embeddings", (long) l.originalMaxPositions());
            }
            case RopeScaling.Yarn y -> {
                p.put("factor", y.factor());
                p.put("original_max_position_embeddings", (long) y.originalMaxPositions());
                if (y.explicitAttentionFactor() != null) p.put("attention_factor", y.explicitAttentionFactor());
                p.put("beta_fast", y.betaFast());
                p.put("beta_slow", y.betaSlow());
                if (y.mscale() != 0) p.put("mscale", y.mscale());
                if (y.mscaleAllDim() != 0) p.put("mscale_all_dim", y.mscaleAllDim());
                p.put("truncate", y.truncate());
            }
        }
        out.put("rope_parameters", p);
        // transformers 4 reads only rope_scaling: without it a scaled model would silently run unscaled there.
        if (!(rope instanceof RopeScaling.Default)) out.put("rope_scaling", new LinkedHashMap<>(p));
    }

    /** Top-level fields {@link #read} consumes besides the rope objects. */
    static final List<String> TOP_LEVEL = List.of("rope_theta", "rope_scaling", "rope_parameters",
            "partial_rotary_factor", "original_max_position_embeddings");
}
