package cortado.nn.io;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.HalfWeight;
import cortado.nn.Linear;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.tensor.DType;
import cortado.tensor.DeferredZeros;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model in Hugging Face's directory layout: {@code config.json} plus the weights, either one
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json} ({@code weight_map}: tensor name
 * to shard file). Tensor names are the model's parameter names, which Cortado keeps identical to transformers'.
 *
 * <p>Loading copies every weight into ordinary float32 memory (compute never reads from the mapped file) and checks
 * that the files and the config agree: every parameter present with its shape; extra tensors are an error too, except
 * the buffers older transformers versions saved (GPT-2's {@code attn.bias}/{@code attn.masked_bias} masks, Llama's
 * {@code rotary_emb.inv_freq}) and a tied {@code lm_head.weight}. GPT-2 files saved from {@code GPT2Model} (keys
 * {@code h.0...}, {@code wte.weight}) load too: their keys get the {@code transformer.} prefix of
 * {@code GPT2LMHeadModel}.
 */
public final class HfCheckpoint {
    private HfCheckpoint() {}

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    /** The number of problems of each kind an error message lists before summarising the rest. */
    private static final int LIST_AT_MOST = 5;

    // ---- load ----

    /**
     * Reads config.json, builds the model it describes and loads its weights into fp32 parameters, whatever dtype the
     * files store: the road for full-parameter training (fp32 master weights).
     */
    public static CausalLm load(Path dir) { return load(dir, InferenceDType.F32); }

    /**
     * Loads a model for inference or as a frozen base: weight matrices (Linear and Conv1D weights, embedding tables)
     * are held as {@code dtype} says, 16-bit ones as {@link Linear16bit} layers and frozen {@link Embedding} tables
     * whose bits come straight from the file (no fp32 copy of them ever exists: the architecture is built under
     * {@link DeferredZeros}, so the fp32 zeros of a replaced layer are never allocated). GPT-2's Conv1D weights
     * ([in, out]) are transposed to [out, in] for the kernel, as transformers' quantizers do, and back on save. Norms
     * and biases are fp32. With {@link InferenceDType#F32} this is {@link #load}.
     */
    public static CausalLm loadFrozen(Path dir, InferenceDType dtype) { return load(dir, dtype); }

    private static CausalLm load(Path dir, InferenceDType dtype) {
        if (!Files.isDirectory(dir))
            throw CheckpointException.at(dir, Files.exists(dir) ? "not a directory (expected a Hugging Face model directory)"
                    : "no such directory");
        Map<String, Object> config = readConfig(dir);
        CausalLm model;
        Path configFile = dir.resolve(CONFIG);
        try (DeferredZeros deferred = DeferredZeros.enter()) {
            model = Models.forLoading(config);   // every weight is then set from the files
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (msg.startsWith(CONFIG + ": ")) msg = msg.substring(CONFIG.length() + 2);
            throw CheckpointException.at(configFile, msg, e);
        }
        loadWeights(model, dir, Boolean.TRUE.equals(config.get("tie_word_embeddings")), dtype);
        return model;
    }

    /** The parsed config.json of {@code dir}. */
    public static Map<String, Object> readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw CheckpointException.at(file, "missing (a Hugging Face model directory has config.json beside its weights)");
        } catch (IOException e) {
            throw CheckpointException.at(file, "cannot read: " + e.getMessage(), e);
        }
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw CheckpointException.at(file, "invalid JSON: " + e.getMessage());
        }
    }

    /**
     * Copies the weights of {@code dir} into {@code model}'s parameters. {@code tied}: the config ties the output
     * projection to the token embedding, so a missing {@code lm_head.weight} is taken from the embedding.
     */
    public static void loadWeights(CausalLm model, Path dir, boolean tied) {
        loadWeights(model, dir, tied, InferenceDType.F32);
    }

    private static void loadWeights(CausalLm model, Path dir, boolean tied, InferenceDType dtype) {
        Map<String, Path> where = weightFiles(dir);   // tensor name -> file
        Map<String, Parameter> params = model.module().namedParameters();
        Map<Path, SafetensorsFile> open = new LinkedHashMap<>();
        try {
            // file key -> parameter name, after the GPT-2 prefix quirk; buffers and tied heads dropped.
            Map<String, String> keyToParam = new LinkedHashMap<>();
            List<String> unexpected = new ArrayList<>();
            for (String key : where.keySet()) {
                String name = parameterName(key, params);
                if (name != null) keyToParam.put(key, name);
                else if (!ignorable(key, params)) unexpected.add(key + " (in " + where.get(key).getFileName() + ")");
            }
            Map<String, String> paramToKey = new LinkedHashMap<>();
            keyToParam.forEach((k, n) -> {
                String other = paramToKey.put(n, k);
                if (other != null) unexpected.add(k + " (duplicates " + other + ")");
            });

            // Pass 1 checks everything, so a failed load leaves the model untouched; pass 2 copies.
            List<String> missing = new ArrayList<>();
            List<String> misShaped = new ArrayList<>();
            Map<String, String> source = new LinkedHashMap<>();   // parameter -> file key
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                String name = e.getKey();
                String key = paramToKey.get(name);
                if (key == null && tied && name.equals("lm_head.weight")) key = embeddingKey(paramToKey);
                if (key == null) { missing.add(name); continue; }
                SafetensorsFile f = open.computeIfAbsent(where.get(key), Safetensors::read);
                int[] fileShape = f.shape(key);
                if (!Arrays.equals(fileShape, e.getValue().shape())) {
                    misShaped.add(key + " is " + Arrays.toString(fileShape) + " in " + f.path().getFileName()
                            + " but the config gives " + Arrays.toString(e.getValue().shape()));
                    continue;
                }
                source.put(name, key);
            }
            if (!missing.isEmpty() || !misShaped.isEmpty() || !unexpected.isEmpty()) {
                Path file = where.isEmpty() ? dir : dir.resolve(Files.exists(dir.resolve(WEIGHTS)) ? WEIGHTS : INDEX);
                List<String> parts = new ArrayList<>();
                if (!misShaped.isEmpty()) parts.add("shape mismatch: " + list(misShaped));
                if (!missing.isEmpty()) parts.add("missing " + list(missing));
                if (!unexpected.isEmpty()) parts.add("unexpected " + list(unexpected));
                throw CheckpointException.at(file, "weights do not fit " + dir.resolve(CONFIG).getFileName() + " ("
                        + model.config().modelType() + "): " + String.join("; ", parts));
            }
            // Matrices held in 16 bits replace their layers first; their fp32 parameters are then never touched.
            Map<String, Module> modules = model.module().namedModules();
            for (Map.Entry<String, String> e : List.copyOf(source.entrySet())) {
                String name = e.getKey(), key = e.getValue();
                if (!name.endsWith(".weight")) continue;
                String path = name.substring(0, name.length() - ".weight".length());
                Module m = modules.get(path);
                if (!(m instanceof Linear || m instanceof Conv1D || m instanceof Embedding)) continue;
                SafetensorsFile f = open.get(where.get(key));
                DType held = dtype.heldAs(f.dtype(key).dtype());
                if (held == null) continue;
                int[] shape = f.shape(key);
                short[] bits = f.read16(key, held);
                switch (m) {
                    case Linear l -> model.module().replace(path, new Linear16bit(
                            HalfWeight.of(l.weight().value().backend(), held, bits, shape[0], shape[1]),
                            l.bias() == null ? null : l.bias().value(), false));
                    case Conv1D c -> model.module().replace(path, new Linear16bit(
                            HalfWeight.of(c.weight().value().backend(), held, transpose(bits, shape[0], shape[1]),
                                    shape[1], shape[0]),
                            c.bias() == null ? null : c.bias().value(), true));
                    case Embedding emb -> emb.freeze(HalfWeight.of(emb.weight().value().backend(), held, bits,
                            shape[0], shape[1]));
                    default -> throw new IllegalStateException();
                }
                source.remove(name);
            }
            source.forEach((name, key) -> {
                SafetensorsFile f = open.get(where.get(key));
                Parameter p = params.get(name);
                Tensor cur = p.value();
                // Decoded straight into the parameter's memory when its backend lends it (CPU), else through a buffer.
                cur.backend().writeHost(cur, (dst, off, n) -> f.readInto(key, dst, off));
            });
        } finally {
            open.values().forEach(SafetensorsFile::close);
        }
    }

    /** The [cols, rows] transpose of row-major {@code a} [rows, cols]. */
    static short[] transpose(short[] a, int rows, int cols) {
        short[] t = new short[a.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    private static String list(List<String> items) {
        String shown = String.join(", ", items.subList(0, Math.min(items.size(), LIST_AT_MOST)));
        return items.size() > LIST_AT_MOST ? shown + " and " + (items.size() - LIST_AT_MOST) + " more" : shown;
    }

    /** The parameter a file key fills, or null. */
    private static String parameterName(String key, Map<String, Parameter> params) {
        if (params.containsKey(key)) return key;
        // GPT2Model (no LM head) saves "h.0.attn...", "wte.weight"; GPT2LMHeadModel nests it under "transformer.".
        if (params.containsKey("transformer." + key)) return "transformer." + key;
        return null;
    }

    /** Tensors a file may carry that are not parameters: old transformers' buffers, and a tied output projection. */
    private static boolean ignorable(String key, Map<String, Parameter> params) {
        if (key.endsWith(".attn.bias") || key.endsWith(".attn.masked_bias")) return true;   // GPT-2 causal masks
        if (key.endsWith(".rotary_emb.inv_freq")) return true;                                // Llama RoPE table
        // A tied model has no lm_head parameter; old GPT-2 files still store a copy of wte there.
        return key.equals("lm_head.weight") && !params.containsKey("lm_head.weight");
    }

    private static String embeddingKey(Map<String, String> paramToKey) {
        for (String emb : List.of("model.embed_tokens.weight", "transformer.wte.weight"))
            if (paramToKey.containsKey(emb)) return paramToKey.get(emb);
        return null;
    }

    /**
     * Tensor name -> the file holding it, from model.safetensors or the shard index (each shard must exist, be a plain
     * file name in {@code dir} and hold the tensors the index gives it). Quantized checkpoints read their shards
     * through this too.
     */
    public static Map<String, Path> weightFiles(Path dir) {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.exists(single)) {
            try (SafetensorsFile f = Safetensors.read(single)) {
                for (String n : f.names()) out.put(n, single);
            }
            return out;
        }
        if (!Files.exists(index)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (only pytorch_model.bin, which Cortado does not read: save with safe_serialization=True)" : "";
            throw CheckpointException.at(dir, "no " + WEIGHTS + " or " + INDEX + hint);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(index, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CheckpointException.at(index, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw CheckpointException.at(index, "invalid JSON: " + e.getMessage());
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> map))
            throw CheckpointException.at(index, "no \"weight_map\" object");
        Map<Path, java.util.Set<String>> shardNames = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String shard) || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                    || shard.equals("..") || shard.equals("."))
                throw CheckpointException.at(index, "weight_map entry for '" + e.getKey() + "' is not a file name in this directory: "
                        + Json.write(e.getValue()));
            Path file = dir.resolve(shard);
            if (!Files.exists(file))
                throw CheckpointException.at(index, "shard " + shard + " (holding '" + e.getKey() + "') is missing");
            java.util.Set<String> names = shardNames.computeIfAbsent(file, p -> {
                try (SafetensorsFile f = Safetensors.read(p)) {
                    return new java.util.HashSet<>(f.names());
                }
            });
            if (!names.contains((String) e.getKey()))
                throw CheckpointException.at(file, "has no tensor '" + e.getKey() + "' although " + INDEX + " says so");
            out.put((String) e.getKey(), file);
        }
        return out;
    }

    // ---- save ----

    /**
     * Writes config.json and model.safetensors: in float32, or, for a model holding 16-bit weights (loaded with
     * {@link #loadFrozen}), in their dtype, so those weights are written back byte for byte (its fp32 norms and
     * biases came from the same file and round back exactly).
     */
    public static void save(CausalLm model, Path dir) { save(model, dir, savedDType(model), 0); }

    /** BF16 or F16 when the model's 16-bit weights all have that dtype, F32 when it has none. */
    public static DType savedDType(CausalLm model) {
        DType found = null;
        for (HalfEntry h : halves(model).values()) {
            if (found != null && found != h.weight().dtype())
                throw new IllegalArgumentException("the model holds both " + found + " and " + h.weight().dtype()
                        + " weights; pass the dtype to save in");
            found = h.weight().dtype();
        }
        return found == null ? DType.F32 : found;
    }

    /** The model's 16-bit weights by file name ({@code path.weight}), in the file's layout. */
    static Map<String, HalfEntry> halves(CausalLm model) {
        Map<String, HalfEntry> out = new TreeMap<>();
        model.module().namedModules().forEach((path, m) -> {
            if (m instanceof Linear16bit l) out.put(path + ".weight", new HalfEntry(l.weight(), l.fromConv1D()));
            else if (m instanceof Embedding e && e.frozen() != null) {
                if (!(e.frozen() instanceof HalfWeight hw))
                    throw new IllegalArgumentException(path + " holds a " + e.frozen().getClass().getSimpleName()
                            + " table, which a plain Hugging Face checkpoint cannot store (save it as a quantized one)");
                out.put(path + ".weight", new HalfEntry(hw, false));
            }
        });
        return out;
    }

    public static void save(CausalLm model, Path dir, DType dtype) { save(model, dir, dtype, 0); }

    /**
     * Writes config.json and the weights in {@code dtype} (F32, F16 or BF16). With {@code maxShardBytes > 0} and more
     * weight bytes than that, the weights go to shards {@code model-0000i-of-0000n.safetensors} filled greedily in
     * name order plus {@code model.safetensors.index.json}, as transformers' save_pretrained does. Every file is written
     * atomically; weight files of an earlier save in the other layout are removed so the directory stays unambiguous.
     */
    public static void save(CausalLm model, Path dir, DType dtype, long maxShardBytes) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16)
            throw new IllegalArgumentException("checkpoints are written as F32, F16 or BF16, not " + dtype);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CheckpointException.at(dir, "cannot create the directory: " + e.getMessage(), e);
        }
        TreeMap<String, Tensor> tensors = new TreeMap<>();
        model.module().namedParameters().forEach((n, p) -> tensors.put(n, p.value()));
        Map<String, HalfEntry> halves = halves(model);
        Map<String, String> meta = Map.of("format", "pt");

        long bytesPer = dtype.byteSize();
        long total = 0;
        for (Tensor t : tensors.values()) total += t.numel() * bytesPer;
        for (HalfEntry h : halves.values()) total += h.numel() * bytesPer;
        List<Path> stale = new ArrayList<>();
        if (maxShardBytes <= 0 || total <= maxShardBytes) {
            Safetensors.write(dir.resolve(WEIGHTS), tensors, halves, meta, dtype);
            stale.addAll(shardsOf(dir));
            stale.add(dir.resolve(INDEX));
        } else {
            TreeMap<String, Object> all = new TreeMap<>(tensors);
            all.putAll(halves);
            List<TreeMap<String, Object>> shards = new ArrayList<>();
            TreeMap<String, Object> cur = new TreeMap<>();
            long curBytes = 0;
            for (Map.Entry<String, Object> e : all.entrySet()) {
                long b = (e.getValue() instanceof Tensor t ? t.numel() : ((HalfEntry) e.getValue()).numel()) * bytesPer;
                if (!cur.isEmpty() && curBytes + b > maxShardBytes) {
                    shards.add(cur);
                    cur = new TreeMap<>();
                    curBytes = 0;
                }
                cur.put(e.getKey(), e.getValue());
                curBytes += b;
            }
            shards.add(cur);
            List<Path> old = shardsOf(dir);
            Map<String, Object> weightMap = new TreeMap<>();
            List<Path> written = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path file = dir.resolve(name);
                Map<String, Tensor> ts = new TreeMap<>();
                Map<String, HalfEntry> hs = new TreeMap<>();
                shards.get(i).forEach((n, v) -> {
                    if (v instanceof Tensor t) ts.put(n, t);
                    else hs.put(n, (HalfEntry) v);
                });
                Safetensors.write(file, ts, hs, meta, dtype);
                written.add(file);
                for (String n : shards.get(i).keySet()) weightMap.put(n, name);
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("metadata", Map.of("total_size", total));
            index.put("weight_map", weightMap);
            AtomicFiles.write(dir.resolve(INDEX), (Json.write(index) + "\n").getBytes(StandardCharsets.UTF_8));
            stale.add(dir.resolve(WEIGHTS));
            old.removeAll(written);
            stale.addAll(old);
        }
        // config.json last: a directory without it is recognisably incomplete.
        Map<String, Object> config = new LinkedHashMap<>(model.config().toHfJson());
        config.put("dtype", switch (dtype) { case F16 -> "float16"; case BF16 -> "bfloat16"; default -> "float32"; });
        AtomicFiles.write(dir.resolve(CONFIG), (Json.write(config) + "\n").getBytes(StandardCharsets.UTF_8));
        for (Path p : stale) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw CheckpointException.at(p, "cannot remove the stale weight file: " + e.getMessage(), e);
            }
        }
    }

    /** Files named like transformers' shards (model-00001-of-00002.safetensors) in {@code dir}. */
    private static List<Path> shardsOf(Path dir) {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).forEach(out::add);
        } catch (IOException e) {
            throw CheckpointException.at(dir, "cannot list: " + e.getMessage(), e);
        }
        return out;
    }
}
