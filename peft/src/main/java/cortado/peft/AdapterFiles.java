package cortado.peft;

import cortado.peft.lora.LoraConfig;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
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
import java.util.Map;
import java.util.TreeSet;

/**
 * Adapter directories in PEFT's format (peft 0.21's {@code save_pretrained} / {@code PeftModel.from_pretrained}):
 * {@code adapter_config.json} and {@code adapter_model.safetensors} (float32, metadata {@code format: pt}); the
 * "default" adapter at the top of the directory, any other in a subfolder of its name. Both files are written to a
 * temporary file and renamed.
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
        LoraConfig c = model.config(adapter);
        Map<String, Object> json = c.toJson(c.taskType() == null ? autoMapping(model.model().config().modelType()) : null);
        AtomicFiles.write(dir.resolve(CONFIG), (Json.write(json) + "\n").getBytes(StandardCharsets.UTF_8));
        Safetensors.write(dir.resolve(WEIGHTS), model.adapterTensors(adapter), Map.of("format", "pt"), DType.F32);
    }

    /** peft's {@code auto_mapping} for the base class transformers would load (what AutoPeftModel reads). */
    private static Map<String, Object> autoMapping(String modelType) {
        String[] cls = switch (modelType) {
            case "gpt2" -> new String[] {"GPT2LMHeadModel", "gpt2"};
            case "llama" -> new String[] {"LlamaForCausalLM", "llama"};
            case "mistral" -> new String[] {"MistralForCausalLM", "mistral"};
            case "qwen2" -> new String[] {"Qwen2ForCausalLM", "qwen2"};
            case "qwen3" -> new String[] {"Qwen3ForCausalLM", "qwen3"};
            default -> null;
        };
        if (cls == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base_model_class", cls[0]);
        m.put("parent_library", "transformers.models." + cls[1] + ".modeling_" + cls[1]);
        return m;
    }

    /** Reads and checks {@code dir/adapter_config.json}. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
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
        return LoraConfig.fromJson(json, file.toString());
    }

    /** PEFT's {@code PeftModel.from_pretrained(base, dir)}: the adapter in {@code dir} on {@code base}, as "default". */
    public static PeftModel load(CausalLm base, Path dir) {
        return load(base, dir, PeftModel.DEFAULT);
    }

    /** As {@link #load(CausalLm, Path)} with the adapter called {@code name}. */
    public static PeftModel load(CausalLm base, Path dir, String name) {
        LoraConfig c = readConfig(dir);
        PeftModel p = PeftModel.wrap(base, name, c, 0L);
        loadWeights(p, name, dir);
        return p;
    }

    /** PEFT's {@code load_adapter(dir, name)}: adds adapter {@code name} from {@code dir} and makes it active. */
    public static void loadAdapter(PeftModel model, String name, Path dir) {
        model.addAdapter(name, readConfig(dir), 0L);
        loadWeights(model, name, dir);
    }

    /**
     * Sets adapter {@code name}'s tensors from {@code dir/adapter_model.safetensors}: every key must be one the
     * adapter has and every tensor of the adapter must be there, with its shape (an adapter made for another base is
     * caught here, naming the tensor).
     */
    static void loadWeights(PeftModel model, String name, Path dir) {
        Path file = dir.resolve(WEIGHTS);
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
