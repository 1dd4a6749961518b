package cortado.peft.xlora;

import cortado.data.json.Json;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetMatcher;
import cortado.peft.lora.LoraConfig;
import cortado.peft.Tuner;
import cortado.peft.lora.LoraModule;
import cortado.peft.lora.LoraTuner;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * X-LoRA's experts on disk: each a LoRA adapter directory in PEFT's format, loaded into the base under its expert name
 * (peft's {@code _load_adapter_into_lora_model}: the keys {@code base_model.model.<module>.lora_A.weight}), and saved
 * again into {@code <dir>/<name>} beside the classifier.
 */
final class XLoraExperts {
    private static final LoraTuner LORA = new LoraTuner();

    private XLoraExperts() {}

    /** Reads and injects every expert of {@code c} into {@code base}; their configs, by name, in expert order. */
    static Map<String, LoraConfig> load(Module base, String modelType, XLoraConfig c) {
        // every expert's directory and config checked before any is injected, so a bad one leaves the base untouched
        Map<String, TargetMatcher.Resolved<LoraConfig>> resolved = new LinkedHashMap<>();
        c.adapters().forEach((name, path) -> resolved.put(name, check(base, modelType, name, Path.of(path))));
        Map<String, LoraConfig> out = new LinkedHashMap<>();
        resolved.forEach((name, r) -> out.put(name, loadOne(base, modelType, name, Path.of(c.adapters().get(name)), r)));
        return out;
    }

    private static String what(String name, Path dir) { return "X-LoRA expert '" + name + "' (" + dir + ")"; }

    private static TargetMatcher.Resolved<LoraConfig> check(Module base, String modelType, String name, Path dir) {
        String what = what(name, dir);
        if (!Files.isDirectory(dir)) throw new PeftException(what + ": no such adapter directory");
        PeftConfig pc = AdapterFiles.readConfig(dir);
        if (!(pc instanceof LoraConfig lc))
            throw new PeftException(what + ": is a " + pc.peftType() + " adapter; X-LoRA's experts are LoRA adapters");
        if (lc.useDora()) throw new PeftException(what + ": is a DoRA adapter, which X-LoRA does not support (as peft)");
        if (lc.bias() != cortado.peft.Bias.NONE)
            throw new PeftException(what + ": trains biases (bias=" + lc.bias().peftName() + "), which X-LoRA's experts do not keep");
        if (!lc.modulesToSave().isEmpty())
            throw new PeftException(what + ": has modules_to_save " + lc.modulesToSave() + ", which X-LoRA does not route");
        TargetMatcher.Resolved<LoraConfig> r = LORA.resolve(lc, base, modelType);
        for (String m : r.modules())
            if (m.equals("lm_head") || m.endsWith(".lm_head"))
                throw new PeftException(what + ": adapts the output head " + m + ", which X-LoRA does not route yet");
        return r;
    }

    private static LoraConfig loadOne(Module base, String modelType, String name, Path dir,
                                      TargetMatcher.Resolved<LoraConfig> r) {
        LoraConfig injected = LORA.inject(base, r.modules(), name, r.config(), 0L);
        Path file = dir.resolve(AdapterFiles.WEIGHTS);
        Map<String, Tensor> tensors = Safetensors.load(file);
        Map<String, Parameter> expected = stateDict(base, modelType, name, injected);
        TreeSet<String> unexpected = new TreeSet<>(tensors.keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty())
            throw new PeftException(file + ": " + unexpected.size() + " tensor(s) the expert's config does not produce"
                    + " on this base, e.g. " + unexpected.first());
        expected.forEach((key, p) -> {
            Tensor t = tensors.get(key);
            if (t == null) throw new PeftException(file + ": expert tensor " + key + " is missing");
            if (!Arrays.equals(t.shape(), p.shape()))
                throw new PeftException(file + ": tensor " + key + " has shape " + Arrays.toString(t.shape())
                        + " but this base needs " + Arrays.toString(p.shape()));
            p.set(t);
        });
        return injected;
    }

    /**
     * Expert {@code name}'s tensors under the keys its own LoRA directory holds them
     * ({@code base_model.model.<module>.lora_A.weight}): only the segment after lora_A / lora_B is the expert's name
     * (a name such as "0" also stands in module paths, {@code h.0}, so it is not dropped wherever it appears).
     */
    private static Map<String, Parameter> stateDict(Module base, String modelType, String name, LoraConfig c) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        base.namedModules().forEach((path, m) -> {
            if (m instanceof LoraModule l && l.adapterNames().contains(name))
                l.adapterParameters(name).forEach((k, p) -> {
                    String key = k.endsWith("." + name) ? k.substring(0, k.length() - name.length() - 1)
                            : k.replace("." + name + ".", ".");
                    out.put(Tuner.KEY_PREFIX + path + "." + key, p);
                });
        });
        // peft saves an expert's wrapped embedding tables too when it targets embed_tokens (save_embedding_layers)
        LORA.savedFrozen(base, modelType, name, c).forEach((n, p) -> out.put(Tuner.KEY_PREFIX + n, p));
        return out;
    }

    /** Writes every expert into {@code <dir>/<name>} (LoRA config and weights, each to a temporary file renamed). */
    static void save(XLoraLm lm, Path dir) {
        lm.experts().forEach((name, c) -> {
            Path sub = dir.resolve(name);
            try {
                Files.createDirectories(sub);
            } catch (IOException e) {
                throw new PeftException(sub + ": cannot create the expert's directory: " + e.getMessage(), e);
            }
            AtomicFiles.write(sub.resolve(AdapterFiles.CONFIG),
                    (Json.write(c.toJson(null)) + "\n").getBytes(StandardCharsets.UTF_8));
            Map<String, Tensor> values = new LinkedHashMap<>();
            stateDict(lm.base().module(), lm.base().config().modelType(), name, c).forEach((k, p) -> values.put(k, p.value()));
            Safetensors.write(sub.resolve(AdapterFiles.WEIGHTS), values, Map.of("format", "pt"), DType.F32);
        });
    }
}
