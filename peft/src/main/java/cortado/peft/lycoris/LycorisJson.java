package cortado.peft.lycoris;

import cortado.peft.PeftConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapter_config.json fields LoHa and LoKr share (peft's {@code LycorisConfig} and the fields both dataclasses
 * declare), written the way peft 0.21's {@code save_pretrained} writes them.
 */
public final class LycorisJson {
    private LycorisJson() {}

    public static void common(Map<String, Object> j, PeftConfig c, int r, double alpha, double rankDropout,
                              double moduleDropout, boolean useEffectiveConv2d, Map<String, Integer> rankPattern,
                              Map<String, Double> alphaPattern, Map<String, Object> autoMapping) {
        j.put("alpha", number(alpha));
        j.put("alpha_pattern", numbers(alphaPattern));
        if (autoMapping != null) j.put("auto_mapping", autoMapping);
        j.put("base_model_name_or_path", c.baseModelNameOrPath());
        j.put("exclude_modules", c.excludeModules() == null ? null : c.excludeModules().toJson());
        j.put("inference_mode", true);
        j.put("layers_pattern", layersPattern(c.layersPattern()));
        j.put("layers_to_transform", c.layersToTransform());
        j.put("module_dropout", moduleDropout);
        j.put("modules_to_save", c.modulesToSave().isEmpty() ? null : c.modulesToSave());
        j.put("r", (long) r);
        j.put("rank_dropout", rankDropout);
        j.put("rank_pattern", new LinkedHashMap<>(rankPattern));
        j.put("revision", null);
        j.put("target_modules", c.targetModules() == null ? null : c.targetModules().toJson());
        j.put("task_type", c.taskType());
        j.put("use_effective_conv2d", useEffectiveConv2d);
    }

    /** peft writes one layers_pattern as a string, several as a list. */
    public static Object layersPattern(List<String> p) {
        return p == null ? null : p.size() == 1 ? p.get(0) : p;
    }

    /** An integral value as JSON writes a Python int (peft's alpha is an int field), else the double. */
    public static Object number(double d) { return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : d; }

    private static Map<String, Object> numbers(Map<String, Double> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, number(v)));
        return out;
    }
}
