package cortado.peft;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Adapter directories in PEFT's format (peft 0.21's {@code save_pretrained} / {@code PeftModel.from_pretrained}):
 * {@code adapter_config.json} and {@code adapter_model.safetensors} (float32, metadata {@code format: pt}); the
 * "default" adapter at the top of the directory, any other in a subfolder of its name. The config's
 * {@code peft_type} picks the method ({@link Tuners}); a method outside PEFT (BitFit) names files of its own
 * ({@link Tuner#configFile()}). Both files are written to a temporary file and renamed.
 */
public final class AdapterFiles {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    private AdapterFiles() {}

    /** Where adapter {@code name} lives under {@code dir}. */
    public static Path adapterDir(Path dir, String name) {
        return PeftModel.DEFAULT.equals(name) ? dir : dir.resolve(name);
    }

    /** Saves every adapter of {@code model} under {@code dir}. */
    public static void save(PeftModel model, Path dir) {
        for (String name : model.adapterNames()) save(model, name, adapterDir(dir, name));
    }

    /** Saves one adapter into {@code dir} (created if needed). */
    public static void save(PeftModel model, String adapter, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PeftException(dir + ": cannot create the adapter directory: " + e.getMessage(), e);
        }
        Tuner<PeftConfig> t = model.tuner();
        t.saveBeside(model.module(), adapter, model.config(adapter), dir);
        PeftConfig c = t.savedConfig(model.config(adapter), dir);
        Map<String, Object> json = c.toJson(c.taskType() == null ? autoMapping(model) : null);
        AtomicFiles.write(dir.resolve(t.configFile()), (Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        Safetensors.write(dir.resolve(t.weightsFile()), model.adapterTensors(adapter), Map.of("format", "pt"), DType.F32);
    }

    /**
     * peft's {@code auto_mapping}: the class transformers would load the base as (what AutoPeftModel reads). A causal
     * LM by model_type; an encoder by its class (Cortado's BERT classes carry transformers' names).
     */
    private static Map<String, Object> autoMapping(PeftModel model) {
        String type = model.modelType();
        String cls = !model.isCausalLm() ? model.module().getClass().getSimpleName() : switch (type) {
            case "gpt2" -> "GPT2LMHeadModel";
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> null;
        };
        if (cls == null || type == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base_model_class", cls);
        m.put("parent_library", "transformers.models." + type + ".modeling_" + type);
        return m;
    }

    /** The config file names the methods use, PEFT's first. */
    private static Set<String> configFiles() {
        Set<String> out = new LinkedHashSet<>();
        out.add(CONFIG);
        for (String type : Tuners.supported()) out.add(Tuners.forType(type, null).configFile());
        return out;
    }

    /**
     * Reads and checks the adapter config in {@code dir} ({@code adapter_config.json}, or the file of a method outside
     * PEFT); its {@code peft_type} picks the method. Every error names the file.
     */
    public static PeftConfig readConfig(Path dir) {
        Path file = null;
        for (String name : configFiles())
            if (Files.exists(dir.resolve(name))) { file = dir.resolve(name); break; }
        if (file == null) file = dir.resolve(CONFIG);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PeftException(file + ": no such file (not a PEFT adapter directory?)", e);
        } catch (IOException e) {
            throw new PeftException(file + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (JsonException e) {
            throw new PeftException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        Object type = json.get("peft_type");
        if (type == null) throw new PeftException(file + ": peft_type is missing");
        if (!(type instanceof String s)) throw new PeftException(file + ": peft_type must be a string, got " + type);
        Tuner<?> t = Tuners.forType(s, file.toString());
        if (!t.configFile().equals(file.getFileName().toString()))
            throw new PeftException(file + ": peft_type \"" + s + "\" is saved in " + t.configFile() + ", not here");
        return t.fromJson(json, file.toString());
    }

    /** PEFT's {@code PeftModel.from_pretrained(base, dir)}: the adapter in {@code dir} on {@code base}, as "default". */
    public static PeftModel load(CausalLm base, Path dir) {
        return load(base, dir, PeftModel.DEFAULT);
    }

    /** As {@link #load(CausalLm, Path)} with the adapter called {@code name}. */
    public static PeftModel load(CausalLm base, Path dir, String name) {
        PeftModel p = PeftModel.wrap(base, name, readConfig(dir), 0L);
        loadWeights(p, name, dir);
        return p;
    }

    /** {@link #load(CausalLm, Path)} for any base with Hugging Face names, e.g. a BERT encoder (model_type "bert"). */
    public static PeftModel loadModule(Module base, String modelType, Path dir) {
        PeftModel p = PeftModel.wrapModule(base, modelType, readConfig(dir), 0L);
        loadWeights(p, PeftModel.DEFAULT, dir);
        return p;
    }

    /** PEFT's {@code load_adapter(dir, name)}: adds adapter {@code name} from {@code dir} and makes it active. */
    public static void loadAdapter(PeftModel model, String name, Path dir) {
        model.addAdapter(name, readConfig(dir), 0L);
        loadWeights(model, name, dir);
    }

    /**
     * Sets adapter {@code name}'s tensors from the weights file in {@code dir}: every key must be one the adapter has
     * and every tensor of the adapter must be there, with its shape (an adapter made for another base is caught here,
     * naming the tensor).
     */
    static void loadWeights(PeftModel model, String name, Path dir) {
        Path file = dir.resolve(model.tuner().weightsFile());
        Map<String, Tensor> tensors = Safetensors.load(file);
        Map<String, Parameter> expected = model.adapterStateDict(name);
        TreeSet<String> unexpected = new TreeSet<>(tensors.keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty())
            throw new PeftException(file + ": " + unexpected.size() + " tensor(s) the adapter config does not produce"
                    + " on this base, e.g. " + unexpected.first());
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(tensors.keySet());
        if (!missing.isEmpty())
            throw new PeftException(file + ": " + missing.size() + " adapter tensor(s) missing, e.g. " + missing.first());
        expected.forEach((key, p) -> {
            Tensor t = tensors.get(key);
            if (!Arrays.equals(t.shape(), p.shape()))
                throw new PeftException(file + ": tensor " + key + " has shape " + Arrays.toString(t.shape())
                        + " but this base needs " + Arrays.toString(p.shape()) + " (an adapter for another base?)");
            p.set(t);
        });
    }
}
