package cortado.peft.fourierft;

import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code FourierFTModel}: LoRA's default targets but GPT-2's {@code mlp.c_proj}
 * ({@code TRANSFORMERS_MODELS_TO_FOURIERFT_TARGET_MODULES_MAPPING}), n_frequency per target from n_frequency_pattern,
 * the layer on Linear and Conv1D bases, and the biases {@code bias} asks for (peft's {@code BaseTuner}: every bias with
 * "all", the wrapped layers' with "fourier_only"), trained and saved.
 */
public final class FourierFTTuner implements Tuner<FourierFTConfig> {
    static final Map<String, List<String>> DEFAULT_TARGETS;

    static {
        Map<String, List<String>> m = new LinkedHashMap<>(LoraTuner.DEFAULT_TARGETS);
        m.put("gpt2", List.of("mlp.c_proj"));
        m.put("gpt_bigcode", List.of("mlp.c_proj"));
        DEFAULT_TARGETS = java.util.Collections.unmodifiableMap(m);
    }

    @Override public String peftType() { return FourierFTConfig.PEFT_TYPE; }

    @Override public Class<FourierFTConfig> configClass() { return FourierFTConfig.class; }

    @Override
    public FourierFTConfig fromJson(Map<String, Object> json, String where) { return FourierFTConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) {
        return m instanceof FourierFTLayer || (m instanceof Linear || m instanceof Conv1D) && !(m instanceof TunerLayer);
    }

    @Override public String wrapsWhat() { return "Linear and Conv1D layers"; }

    @Override
    public FourierFTConfig inject(Module root, List<String> targets, String name, FourierFTConfig config, long seed) {
        FourierFTConfig c = config;
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);   // peft corrects it to the layer kind
        for (String path : targets)
            Tuner.wrapped(root, path, FourierFTLayer.class, FourierFTLayer::new)
                    .addAdapter(name, c.nFrequencyFor(path), c, Tuner.targetSeed(seed, path));
        return c;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /** The spectra, and the biases {@code bias} asks for: those of the wrapped layers (fourier_only) or every bias. */
    @Override
    public Map<String, Parameter> trainable(Module root, String name, FourierFTConfig c) {
        Map<String, Parameter> out = Tuner.super.trainable(root, name, c);
        if (c.bias().equals("fourier_only"))
            root.namedModules().forEach((path, m) -> {
                if (m instanceof FourierFTLayer l && l.adapterNames().contains(name)) {
                    Parameter b = l.baseLayer().ownParameters().get("bias");
                    if (b != null) out.put(path + ".base_layer.bias", b);
                }
            });
        if (c.bias().equals("all"))
            root.namedParameters().forEach((n, p) -> {
                if ((n.equals("bias") || n.endsWith(".bias")) && !n.contains(".modules_to_save.")
                        && !n.contains(".original_module."))
                    out.put(n, p);
            });
        return out;
    }
}
