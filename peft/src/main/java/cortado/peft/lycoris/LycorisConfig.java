package cortado.peft.lycoris;

import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.TargetMatcher;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What LoHa's and LoKr's configs share (peft's {@code LycorisConfig} and the fields both dataclasses declare): rank,
 * alpha, their per-module patterns and the dropouts, and how those are written to adapter_config.json.
 */
public interface LycorisConfig extends PeftConfig {
    int r();

    double alpha();

    double rankDropout();

    double moduleDropout();

    boolean useEffectiveConv2d();

    Map<String, Integer> rankPattern();

    Map<String, Double> alphaPattern();

    /** The rank for a module: its rank_pattern entry (peft's {@code get_pattern_key}) or r. */
    default int rankFor(String module) {
        String k = TargetMatcher.patternKey(rankPattern().keySet(), module);
        return k == null ? r() : rankPattern().get(k);
    }

    /** The alpha for a module: its alpha_pattern entry or alpha. */
    default double alphaFor(String module) {
        String k = TargetMatcher.patternKey(alphaPattern().keySet(), module);
        return k == null ? alpha() : alphaPattern().get(k);
    }

    /** The fields both write, as peft 0.21's {@code save_pretrained} writes them; the method adds its own. */
    default Map<String, Object> lycorisJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.tuner(this, autoMapping, true, true);
        j.put("alpha", ConfigJson.number(alpha()));
        j.put("alpha_pattern", ConfigJson.numbers(alphaPattern()));
        j.put("module_dropout", moduleDropout());
        j.put("r", (long) r());
        j.put("rank_dropout", rankDropout());
        j.put("rank_pattern", new LinkedHashMap<>(rankPattern()));
        j.put("use_effective_conv2d", useEffectiveConv2d());
        return j;
    }
}
