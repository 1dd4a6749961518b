package cortado.peft.bitfit;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BitFit as a tuner: nothing is wrapped; the selected modules' own {@code bias} parameters, and the modules_to_save
 * modules' parameters, train in place and are saved under the base's own (Hugging Face) names, so a Python user
 * loads them with {@code model.load_state_dict(load_file("bitfit_model.safetensors"), strict=False)} (format in
 * {@link cortado.peft.bitfit}). A base without biases (the Llama family) has nothing to train, which is an error.
 */
public final class BitFitTuner implements Tuner<BitFitConfig> {
    public static final String CONFIG = "bitfit_config.json";
    public static final String WEIGHTS = "bitfit_model.safetensors";

    @Override public String peftType() { return BitFitConfig.PEFT_TYPE; }

    @Override public Class<BitFitConfig> configClass() { return BitFitConfig.class; }

    @Override public BitFitConfig fromJson(Map<String, Object> json, String where) { return BitFitConfig.fromJson(json, where); }

    /** No per-architecture defaults: without target_modules every bias trains. */
    @Override public Map<String, List<String>> defaultTargets() { return Map.of(); }

    @Override public boolean canWrap(Module m) { return bias(m) != null; }

    @Override public String wrapsWhat() { return "modules with a bias"; }

    private static Parameter bias(Module m) { return m.ownParameters().get("bias"); }

    /** The modules whose bias trains: every one with a bias, or those the targets select; never none. */
    @Override
    public TargetMatcher.Resolved<BitFitConfig> resolve(BitFitConfig c, Module root, String modelType) {
        List<String> out = new ArrayList<>();
        Set<String> withBias = new LinkedHashSet<>();
        TargetMatcher.candidates(root).forEach((name, m) -> {
            if (bias(m) == null) return;
            withBias.add(name.substring(name.lastIndexOf('.') + 1));
            boolean selected = c.targetModules() == null
                    ? c.excludeModules() == null || !TargetMatcher.matches(c.excludeModules(), name)
                    : TargetMatcher.match(c, name) == TargetMatcher.Match.TARGET;
            if (selected) out.add(name);
        });
        if (withBias.isEmpty())
            throw new PeftException("BitFit has nothing to train: this " + (modelType == null ? "" : modelType + " ")
                    + "model has no bias parameters (the Llama family has none); use LoRA or IA3, or a base with biases");
        if (out.isEmpty())
            throw new PeftException("BitFit: target_modules " + c.targetModules() + " matched no module with a bias;"
                    + " modules with biases: " + withBias);
        return new TargetMatcher.Resolved<>(c, out);
    }

    /** Nothing to wrap: BitFit trains what is there. */
    @Override
    public BitFitConfig inject(Module root, List<String> targets, String name, BitFitConfig config, long seed) {
        return config;
    }

    @Override
    public Map<String, Parameter> trainable(Module root, String name, BitFitConfig c) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (String path : resolve(c, root, null).modules()) out.put(path + ".bias", bias(root.get(path)));
        for (String path : TargetMatcher.modulesToSave(c, root))
            root.get(path).namedParameters().forEach((k, p) -> out.put(path + "." + k, p));
        return out;
    }

    /** The base's own name: what {@code load_state_dict(strict=False)} on the transformers model expects. */
    @Override public String savedKey(String fullName, String name) { return fullName; }

    @Override public boolean inPlace() { return true; }

    @Override public String configFile() { return CONFIG; }

    @Override public String weightsFile() { return WEIGHTS; }
}
