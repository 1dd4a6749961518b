package cortado.serve;

import cortado.peft.AdapterFiles;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.peft.lora.MixedBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The LoRA adapters a server serves beside its base model, on one {@link PeftModel} whose layers route rows through
 * one {@link MixedBatch}. Adapters load and unload at runtime (vLLM's {@code /v1/load_lora_adapter} and
 * {@code /v1/unload_lora_adapter}); the scheduler runs those changes between two forward passes. Every load gets a
 * fresh prefix-cache key, so blocks cached for an unloaded adapter are never reused by another one of the same name.
 */
public final class LoraAdapters {
    private static final LoraAdapters NONE = new LoraAdapters(null);

    private final PeftModel peft;   // null: the server was started without adapters
    private final List<String> names = new CopyOnWriteArrayList<>();
    private final Map<String, String> cacheKeys = new ConcurrentHashMap<>();
    private final AtomicLong loads = new AtomicLong();

    private LoraAdapters(PeftModel peft) {
        this.peft = peft;
        if (peft != null) for (String n : peft.adapterNames()) register(n);
    }

    /** No adapters (and none can be loaded). */
    public static LoraAdapters none() { return NONE; }

    /** The adapters {@code peft} holds, served under their names. */
    public static LoraAdapters of(PeftModel peft) {
        peft.mixedBatch();   // refuses a model whose adapters are not LoRA on linear layers
        return new LoraAdapters(peft);
    }

    /** The served adapter names, in load order. */
    public List<String> names() { return List.copyOf(names); }

    boolean contains(String name) { return names.contains(name); }

    /** The router of the model's LoRA layers; null without adapters. */
    MixedBatch mixedBatch() { return peft == null ? null : peft.mixedBatch(); }

    /** What a request for {@code name} adds to its prefix-cache keys: the name and its load. */
    String cacheKey(String name) { return name == null ? null : cacheKeys.get(name); }

    private void register(String name) {
        names.add(name);
        cacheKeys.put(name, name + "#" + loads.incrementAndGet());
    }

    /**
     * Loads adapter {@code name} from {@code dir} (PEFT's {@code load_adapter}); run it between forward passes.
     * @throws ApiException 400 when adapters cannot be loaded here, the name is taken, or the directory is no LoRA adapter
     */
    void load(String name, Path dir, String baseName) {
        if (peft == null)
            throw new ApiException(400, "this server was started without adapters; start it with --adapter NAME=DIR"
                    + " to load more at runtime", "lora_name");
        if (name.equals(baseName) || names.contains(name))
            throw new ApiException(400, "The lora adapter '" + name + "' has already been loaded.", "lora_name");
        try {
            AdapterFiles.loadAdapter(peft, name, dir);
        } catch (PeftException | IllegalArgumentException e) {
            throw new ApiException(400, "cannot load '" + dir + "': " + e.getMessage(), "lora_path");
        }
        try {
            peft.mixedBatch();   // the new adapter's layers join the router
        } catch (PeftException e) {
            peft.deleteAdapter(name);
            throw new ApiException(400, "cannot serve '" + dir + "': " + e.getMessage(), "lora_path");
        }
        peft.module().eval();
        register(name);
    }

    /**
     * Unloads adapter {@code name}; run it between forward passes, when no request uses it.
     * @throws ApiException 404 for an adapter not loaded, 400 for the last one (PEFT keeps at least one)
     */
    void unload(String name) {
        if (!names.contains(name))
            throw new ApiException(404, "The lora adapter '" + name + "' cannot be found.", "lora_name");
        if (names.size() == 1)
            throw new ApiException(400, "'" + name + "' is the only adapter, which PEFT keeps; load another first",
                    "lora_name");
        peft.deleteAdapter(name);
        names.remove(name);
        cacheKeys.remove(name);
    }
}
