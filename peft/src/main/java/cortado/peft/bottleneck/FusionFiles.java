package cortado.peft.bottleneck;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.Parameter;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.Safetensors;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An AdapterFusion layer set on disk, beside the adapters it fuses (saved by {@code AdapterFiles}):
 * {@code adapter_fusion_config.json} ({@code {"adapters": [...], "config": {AdapterFusionConfig's fields}}}, as
 * adapter-hub names its fusion config file) and {@code adapter_fusion.safetensors}, the fusion tensors under
 * adapter-hub's names ({@code ...output_adapters.adapter_fusion_layer.a,b.query.weight}).
 */
public final class FusionFiles {
    public static final String CONFIG = "adapter_fusion_config.json";
    public static final String WEIGHTS = "adapter_fusion.safetensors";

    private FusionFiles() {}

    /** Writes the fusion over {@code names} (added with {@code config}) into {@code dir}. */
    public static void save(PeftModel model, List<String> names, FusionConfig config, Path dir) {
        Map<String, Parameter> params = BottleneckTuner.fusionParameters(model.module(), names);
        if (params.isEmpty()) throw new PeftException("no fusion over " + names + " to save");
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("key", config.key());
        c.put("query", config.query());
        c.put("value", config.value());
        c.put("query_before_ln", config.queryBeforeLn());
        c.put("residual_before", config.residualBefore());
        c.put("value_before_softmax", config.valueBeforeSoftmax());
        c.put("value_initialized", config.valueInitialized());
        c.put("temperature", false);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("adapters", names);
        json.put("config", c);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PeftException(dir + ": cannot create the directory: " + e.getMessage(), e);
        }
        AtomicFiles.write(dir.resolve(CONFIG), (Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        params.forEach((k, p) -> tensors.put(k, p.value()));
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"), DType.F32);
    }

    /**
     * Adds the fusion saved in {@code dir} over adapters the model already holds, sets its tensors and makes it
     * active ({@link BottleneckTuner#activateFusion}); returns the fused adapters' names.
     */
    @SuppressWarnings("unchecked")
    public static List<String> load(PeftModel model, Path dir) {
        Path file = dir.resolve(CONFIG);
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(file));
        } catch (IOException | JsonException e) {
            throw new PeftException(file + ": cannot read the fusion config: " + e.getMessage(), e);
        }
        if (!(json.get("adapters") instanceof List<?> a) || a.isEmpty() || !a.stream().allMatch(x -> x instanceof String))
            throw new PeftException(file + ": adapters must be a non-empty list of adapter names");
        if (!(json.get("config") instanceof Map<?, ?> cm)) throw new PeftException(file + ": config is missing");
        Map<String, Object> c = (Map<String, Object>) cm;
        if (Boolean.TRUE.equals(c.get("temperature")))
            throw new PeftException(file + ": config.temperature true (annealed softmax) is not supported");
        FusionConfig config = new FusionConfig(flag(c, "query", file), flag(c, "key", file), flag(c, "value", file),
                flag(c, "query_before_ln", file), flag(c, "residual_before", file),
                flag(c, "value_before_softmax", file), flag(c, "value_initialized", file));
        List<String> names = (List<String>) a;
        BottleneckTuner.addFusion(model, names, config, 0);
        Map<String, Parameter> params = BottleneckTuner.activateFusion(model, names);
        Path wfile = dir.resolve(WEIGHTS);
        Map<String, Tensor> saved = Safetensors.load(wfile);
        if (!saved.keySet().equals(params.keySet())) {
            TreeSet<String> missing = new TreeSet<>(params.keySet());
            missing.removeAll(saved.keySet());
            TreeSet<String> extra = new TreeSet<>(saved.keySet());
            extra.removeAll(params.keySet());
            throw new PeftException(wfile + ": fusion tensors do not match this model (missing " + missing.size()
                    + ", unexpected " + extra.size() + (missing.isEmpty() ? "" : ", e.g. " + missing.first()) + ")");
        }
        params.forEach((k, p) -> {
            Tensor t = saved.get(k);
            if (!Arrays.equals(t.shape(), p.shape()))
                throw new PeftException(wfile + ": tensor " + k + " has shape " + Arrays.toString(t.shape())
                        + " but this model needs " + Arrays.toString(p.shape()));
            p.set(t);
        });
        return names;
    }

    private static boolean flag(Map<String, Object> c, String field, Path file) {
        Object v = c.get(field);
        if (v == null) return false;
        if (!(v instanceof Boolean b)) throw new PeftException(file + ": config." + field + " must be true or false, got " + v);
        return b;
    }
}
