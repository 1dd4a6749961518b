package cortado.peft.xlora;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.Tuner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * peft's {@code XLoraModel} as a tuner: the host is an {@link XLoraLm} around the base; injecting loads the LoRA
 * experts into the base (frozen) and makes the classifier, the only thing that trains and the only tensors saved
 * ({@code base_model.internal_xlora_classifier.layers.<i>.weight|bias}, the keys peft's loader reads). Saving also
 * writes each expert into {@code <dir>/<name>} and points the config's {@code adapters} there.
 */
public final class XLoraTuner implements Tuner<XLoraConfig> {
    static final String CLASSIFIER = "internal_xlora_classifier.";

    @Override public String peftType() { return XLoraConfig.PEFT_TYPE; }

    @Override public Class<XLoraConfig> configClass() { return XLoraConfig.class; }

    @Override public XLoraConfig fromJson(Map<String, Object> json, String where) { return XLoraConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return Map.of(); }

    /** X-LoRA adapts no module itself: its layers are its experts' LoRA layers. */
    @Override public boolean canWrap(Module m) { return false; }

    @Override public String wrapsWhat() { return "the LoRA layers its experts bring"; }

    @Override
    public TargetMatcher.Resolved<XLoraConfig> resolve(XLoraConfig c, Module root, String modelType) {
        return new TargetMatcher.Resolved<>(c, List.of());
    }

    @Override public CausalLm host(CausalLm base) { return new XLoraLm(base); }

    @Override
    public XLoraConfig inject(Module root, List<String> targets, String name, XLoraConfig c, long seed) {
        if (!(root instanceof XLoraLm lm)) throw new PeftException("an X-LoRA adapter goes on a causal LM");
        Object hidden = lm.base().config().toHfJson().getOrDefault("hidden_size", lm.base().config().toHfJson().get("n_embd"));
        if (hidden instanceof Number h && h.intValue() != c.hiddenSize())
            throw new PeftException("X-LoRA hidden_size is " + c.hiddenSize() + " but the base's hidden size is " + h);
        lm.install(c, XLoraExperts.load(lm.base().module(), lm.base().config().modelType(), c), seed);
        return c;
    }

    @Override
    public Map<String, Parameter> trainable(Module root, String name, XLoraConfig c) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        root.namedParameters().forEach((n, p) -> {
            if (n.startsWith(CLASSIFIER)) out.put(n, p);
        });
        return out;
    }

    /** peft's X-LoRA state dict keeps its keys whole: {@code base_model.internal_xlora_classifier...}. */
    @Override public String savedKey(String fullName, String name) { return "base_model." + fullName; }

    @Override public void activate(Module root, String adapter, boolean enabled) { ((XLoraLm) root).enable(enabled); }

    @Override
    public String unmergeable() {
        return "XLORA weights its experts per token: there is no one weight update to merge (peft's XLoraModel has no"
                + " merge either)";
    }

    @Override
    public XLoraConfig savedConfig(XLoraConfig c, Path dir) {
        Map<String, String> at = new LinkedHashMap<>();
        for (String n : c.adapters().keySet()) at.put(n, dir.resolve(n).toAbsolutePath().normalize().toString());
        return c.withAdapters(at);
    }

    @Override
    public void saveBeside(Module root, String adapter, XLoraConfig c, Path dir) { XLoraExperts.save((XLoraLm) root, dir); }
}
