package cortado.peft;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The adapter_config.json fields every peft 0.21 config writes ({@code PeftConfig}'s), and those of its tuners'
 * targeting, written as {@code save_pretrained} writes them: keys sorted, {@code inference_mode} true.
 */
public final class ConfigJson {
    /** The peft version Cortado's files say they were written for. */
    public static final String PEFT_VERSION = "0.21.0";

    private ConfigJson() {}

    /**
     * PeftConfig's own fields: auto_mapping (when given), base_model_name_or_path, inference_mode, peft_type,
     * peft_version, revision and task_type, in a sorted map the method adds its fields to.
     */
    public static Map<String, Object> base(PeftConfig c, Map<String, Object> autoMapping) {
        Map<String, Object> j = new TreeMap<>();
        if (autoMapping != null) j.put("auto_mapping", autoMapping);
        j.put("base_model_name_or_path", c.baseModelNameOrPath());
        j.put("inference_mode", true);
        j.put("peft_type", c.peftType());
        j.put("peft_version", PEFT_VERSION);
        j.put("revision", null);
        j.put("task_type", c.taskType());
        return j;
    }

    /**
     * {@link #base} plus a tuner's targeting: target_modules, modules_to_save, exclude_modules (when the method's
     * config has the field) and layers_to_transform / layers_pattern (when it has those).
     */
    public static Map<String, Object> tuner(PeftConfig c, Map<String, Object> autoMapping, boolean exclude,
                                            boolean layers) {
        Map<String, Object> j = base(c, autoMapping);
        j.put("target_modules", c.targetModules() == null ? null : c.targetModules().toJson());
        j.put("modules_to_save", c.modulesToSave().isEmpty() ? null : c.modulesToSave());
        if (exclude) j.put("exclude_modules", c.excludeModules() == null ? null : c.excludeModules().toJson());
        if (layers) {
            j.put("layers_pattern", layersPattern(c.layersPattern()));
            j.put("layers_to_transform", c.layersToTransform());
        }
        return j;
    }

    /** peft writes one layers_pattern as a string, several as a list. */
    public static Object layersPattern(List<String> p) {
        return p == null ? null : p.size() == 1 ? p.get(0) : p;
    }

    /** An integral value as JSON writes a Python int (peft's alpha fields are ints), else the double. */
    public static Object number(double d) { return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : d; }

    /** {@link #number} over a map's values ({@code alpha_pattern}). */
    public static Map<String, Object> numbers(Map<String, Double> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, number(v)));
        return out;
    }
}
