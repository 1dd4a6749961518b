package cortado.quant;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsDtype;
import cortado.nn.io.SafetensorsFile;
import cortado.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The safetensors layout transformers + bitsandbytes use for 4-bit models (bnb Linear4bit._save_to_state_dict with
 * QuantState.as_dict(packed=True); transformers' Bnb4bitDeserialize reads it back). For a quantized weight {@code W}
 * ({@code <module>.weight}):
 * <pre>
 *   W                                     U8  [(n+1)/2, 1]   packed codes, first element in the high nibble
 *   W.absmax                              F32 [blocks]       (U8 [blocks] codes when double-quantized)
 *   W.quant_map                           F32 [16]           the NF4/FP4 code book
 *   W.nested_absmax                       F32 [ceil(blocks/256)]   double quantization only
 *   W.nested_quant_map                    F32 [256]          create_dynamic_map(signed=True), double quant only
 *   W.quant_state.bitsandbytes__nf4|fp4   U8  [len]          UTF-8 JSON: quant_type, blocksize, dtype, shape,
 *                                                            (nested_blocksize, nested_dtype, nested_offset)
 * </pre>
 * and config.json carries {@code quantization_config} (transformers' BitsAndBytesConfig.to_dict). Every other tensor
 * (embeddings, norms, biases, skipped modules) is stored as is. For a GPT-2 Conv1D the quantized matrix is the
 * transposed [out, in] weight, as transformers quantizes it.
 */
public final class BnbCheckpoint {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    public static final String QUANT_STATE = "quant_state.bitsandbytes__";
    /** Suffixes (after {@code <weight>.}) of the tensors that belong to one quantized weight. */
    static final List<String> STATE_SUFFIXES = List.of("absmax", "quant_map", "nested_absmax", "nested_quant_map",
            QUANT_STATE + "nf4", QUANT_STATE + "fp4");

    private BnbCheckpoint() {}

    /**
     * {@code quantization_config} of config.json, the fields of transformers' BitsAndBytesConfig for a 4-bit model.
     * {@code skipModules} are module names left unquantized (llm_int8_skip_modules; null when none were given).
     */
    public record QuantizationConfig(QuantType type, boolean doubleQuant, String computeDtype, String quantStorage,
                                     List<String> skipModules) {
        public static QuantizationConfig of(QuantType type, boolean doubleQuant, List<String> skipModules) {
            return new QuantizationConfig(type, doubleQuant, "float32", "uint8", skipModules);
        }

        /** As BitsAndBytesConfig(load_in_4bit=True, ...).to_dict() writes it (keys sorted as save_pretrained does). */
        public Map<String, Object> toHfJson() {
            Map<String, Object> m = new TreeMap<>();
            m.put("_load_in_4bit", true);
            m.put("_load_in_8bit", false);
            m.put("bnb_4bit_compute_dtype", computeDtype);
            m.put("bnb_4bit_quant_storage", quantStorage);
            m.put("bnb_4bit_quant_type", type.bnbName());
            m.put("bnb_4bit_use_double_quant", doubleQuant);
            m.put("llm_int8_enable_fp32_cpu_offload", false);
            m.put("llm_int8_has_fp16_weight", false);
            m.put("llm_int8_skip_modules", skipModules == null ? null : new ArrayList<>(skipModules));
            m.put("llm_int8_threshold", 6.0);
            m.put("load_in_4bit", true);
            m.put("load_in_8bit", false);
            m.put("quant_method", "bitsandbytes");
            return m;
        }

        /** Parses the object; missing fields take transformers' defaults (quant type fp4, no double quant). */
        public static QuantizationConfig fromHfJson(Path file, Map<?, ?> m) {
            Object method = m.get("quant_method");
            if (method != null && !"bitsandbytes".equals(method))
                throw CheckpointException.at(file, "quantization_config.quant_method is '" + method
                        + "'; only bitsandbytes 4-bit checkpoints are read");
            if (!Boolean.TRUE.equals(m.get("load_in_4bit")) && !Boolean.TRUE.equals(m.get("_load_in_4bit")))
                throw CheckpointException.at(file, "quantization_config is not a 4-bit bitsandbytes config (load_in_4bit is not true)");
            QuantType type;
            try {
                type = QuantType.fromBnbName(String.valueOf(m.containsKey("bnb_4bit_quant_type") ? m.get("bnb_4bit_quant_type") : "fp4"));
            } catch (IllegalArgumentException e) {
                throw CheckpointException.at(file, "quantization_config.bnb_4bit_quant_type: " + e.getMessage());
            }
            String storage = m.get("bnb_4bit_quant_storage") == null ? "uint8" : String.valueOf(m.get("bnb_4bit_quant_storage"));
            if (!storage.equals("uint8"))
                throw CheckpointException.at(file, "quantization_config.bnb_4bit_quant_storage '" + storage
                        + "' is not supported (only uint8)");
            String compute = m.get("bnb_4bit_compute_dtype") == null ? "float32" : String.valueOf(m.get("bnb_4bit_compute_dtype"));
            List<String> skip = null;
            if (m.get("llm_int8_skip_modules") instanceof List<?> l) {
                skip = new ArrayList<>();
                for (Object o : l) skip.add(String.valueOf(o));
            }
            return new QuantizationConfig(type, Boolean.TRUE.equals(m.get("bnb_4bit_use_double_quant")), compute, storage, skip);
        }
    }

    /**
     * A loaded quantized checkpoint: config.json as parsed (quantization_config included), the quantized weights by
     * tensor name ({@code model.layers.0.self_attn.q_proj.weight}), and every other tensor in float32 by name.
     */
    public record Contents(Map<String, Object> config, QuantizationConfig quantization,
                           Map<String, Quantized4bit> quantized, Map<String, Tensor> tensors) {}

    /** Whether a parsed config.json describes a bitsandbytes-quantized model. */
    public static boolean isQuantized(Map<String, Object> config) {
        return config.get("quantization_config") instanceof Map<?, ?> q
                && (q.get("quant_method") == null || "bitsandbytes".equals(q.get("quant_method")));
    }

    /** Whether {@code dir}'s config.json describes a bitsandbytes-quantized model (false when there is none). */
    public static boolean isQuantized(Path dir) {
        if (!Files.exists(dir.resolve(CONFIG))) return false;
        return isQuantized(HfCheckpoint.readConfig(dir));
    }

    // ---------------------------------------------------------------------------------------------------- writing

    /**
     * Writes {@code dir}/model.safetensors (quantized weights in bnb's layout, {@code tensors} as float32) and
     * config.json ({@code modelConfig} plus quantization_config). Both files appear atomically, config.json last.
     */
    public static void save(Path dir, Map<String, Object> modelConfig, QuantizationConfig qc,
                            Map<String, Quantized4bit> quantized, Map<String, Tensor> tensors) {
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        for (Map.Entry<String, Quantized4bit> e : quantized.entrySet()) addQuantized(w, e.getKey(), e.getValue());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (quantized.containsKey(e.getKey()))
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is given both quantized and plain");
            Tensor t = e.getValue().contiguous();
            int[] s = t.shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) shape[i] = s[i];
            w.addF32(e.getKey(), shape, t.toArray());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CheckpointException.at(dir, "cannot create the directory: " + e.getMessage(), e);
        }
        w.write(dir.resolve(WEIGHTS), RawSafetensorsWriter.ptMetadata());
        Map<String, Object> config = new LinkedHashMap<>(modelConfig);
        config.put("quantization_config", qc.toHfJson());
        config.putIfAbsent("torch_dtype", "float32");
        AtomicFiles.write(dir.resolve(CONFIG), (Json.write(config) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            Files.deleteIfExists(dir.resolve(INDEX));   // a stale sharded layout would shadow nothing but confuse
        } catch (IOException e) {
            throw CheckpointException.at(dir.resolve(INDEX), "cannot remove the stale index: " + e.getMessage(), e);
        }
    }

    /** The tensors that stand for one quantized weight, as bnb's QuantState.as_dict(packed=True) names them. */
    static void addQuantized(RawSafetensorsWriter w, String name, Quantized4bit q) {
        w.add(name, SafetensorsDtype.U8, new long[] {q.packed().length, 1}, q.packed());
        w.addF32(name + ".quant_map", new long[] {16}, q.type().codebook());
        if (q.isDoubleQuantized()) {
            DoubleQuantState d = q.doubleQuant();
            w.add(name + ".absmax", SafetensorsDtype.U8, new long[] {d.absmaxCodes().length}, d.absmaxCodes());
            w.addF32(name + ".nested_absmax", new long[] {d.nestedAbsmax().length}, d.nestedAbsmax());
            w.addF32(name + ".nested_quant_map", new long[] {256}, d.nestedCode());
        } else {
            w.addF32(name + ".absmax", new long[] {q.absmax().length}, q.absmax());
        }
        byte[] json = quantStateJson(q).getBytes(StandardCharsets.UTF_8);
        w.add(name + "." + QUANT_STATE + q.type().bnbName(), SafetensorsDtype.U8, new long[] {json.length}, json);
    }

    /**
     * The non-tensor part of the quant state, byte for byte as bnb's pack_dict_to_tensor writes it: Python's
     * json.dumps (", " and ": " separators, insertion order, floats in repr form).
     */
    static String quantStateJson(Quantized4bit q) {
        StringBuilder b = new StringBuilder("{\"quant_type\": \"").append(q.type().bnbName())
                .append("\", \"blocksize\": ").append(q.blocksize()).append(", \"dtype\": \"float32\", \"shape\": [");
        for (int i = 0; i < q.shape().length; i++) b.append(i > 0 ? ", " : "").append(q.shape()[i]);
        b.append(']');
        if (q.isDoubleQuantized()) {
            b.append(", \"nested_blocksize\": ").append(q.doubleQuant().nestedBlocksize())
                    .append(", \"nested_dtype\": \"float32\", \"nested_offset\": ")
                    .append(pythonRepr(q.doubleQuant().offset()));
        }
        return b.append('}').toString();
    }

    /** Python's repr of the double value of a float (shortest round-trip digits; scientific below 1e-4 or from 1e16). */
    static String pythonRepr(double d) {
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        if (!Double.isFinite(d)) return Double.isNaN(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();   // shortest digits (JDK 19+)
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();                                 // d = m.mmm * 10^exp
        String sign = d < 0 ? "-" : "";
        if (exp < -4 || exp >= 16) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain = bd.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    // ---------------------------------------------------------------------------------------------------- reading

    /** Loads config.json and the weights of a bitsandbytes 4-bit checkpoint directory (single file or sharded). */
    public static Contents load(Path dir) {
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        Path configFile = dir.resolve(CONFIG);
        if (!(config.get("quantization_config") instanceof Map<?, ?> qcJson))
            throw CheckpointException.at(configFile, "no quantization_config: not a quantized checkpoint");
        QuantizationConfig qc = QuantizationConfig.fromHfJson(configFile, qcJson);
        List<SafetensorsFile> open = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> where = openWeights(dir, open);
            Map<String, Quantized4bit> quantized = new LinkedHashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            readAll(where, quantized, tensors);
            return new Contents(config, qc, quantized, tensors);
        } finally {
            for (SafetensorsFile f : open) f.close();
        }
    }

    /**
     * Splits the tensors of one or more open files into quantized weights (their state tensors consumed) and plain
     * float32 tensors. Every inconsistency is a {@link CheckpointException} naming the file and the tensor.
     */
    public static void readAll(Map<String, SafetensorsFile> where, Map<String, Quantized4bit> quantized,
                               Map<String, Tensor> tensors) {
        // A quantized weight is announced by its quant_state key or by packed uint8 data under a ".weight" name.
        Set<String> weights = new java.util.LinkedHashSet<>();
        for (String n : where.keySet()) {
            int qs = n.indexOf("." + QUANT_STATE);
            if (qs > 0) weights.add(n.substring(0, qs));
            else if (n.endsWith(".weight") && where.get(n).dtype(n) == SafetensorsDtype.U8) weights.add(n);
        }
        Set<String> consumed = new java.util.HashSet<>();
        for (String w : weights) {
            quantized.put(w, readQuantized(where, w));
            consumed.add(w);
            for (String s : STATE_SUFFIXES) consumed.add(w + "." + s);
        }
        for (Map.Entry<String, SafetensorsFile> e : where.entrySet()) {
            String n = e.getKey();
            if (consumed.contains(n)) continue;
            for (String s : STATE_SUFFIXES)
                if (n.endsWith("." + s))
                    throw CheckpointException.at(e.getValue().path(), "tensor '" + n + "' is quantization state of '"
                            + n.substring(0, n.length() - s.length() - 1) + "', which is not a quantized weight here");
            tensors.put(n, e.getValue().toFloatTensor(n));
        }
    }

    /** One quantized weight {@code w} and its state tensors. */
    static Quantized4bit readQuantized(Map<String, SafetensorsFile> where, String w) {
        SafetensorsFile wf = where.get(w);
        String stateKey = null;
        for (String t : new String[] {"nf4", "fp4"})
            if (where.containsKey(w + "." + QUANT_STATE + t)) {
                if (stateKey != null) throw fail(where.get(stateKey), w, "has both nf4 and fp4 quant_state entries");
                stateKey = w + "." + QUANT_STATE + t;
            }
        Path anyFile = wf != null ? wf.path() : where.get(stateKey).path();
        if (wf == null) throw CheckpointException.at(anyFile, "tensor '" + w + "' is missing but its quant state '"
                + stateKey + "' is present");
        if (stateKey == null)
            throw fail(wf, w, "is packed uint8 but its quant state '" + w + "." + QUANT_STATE
                    + "nf4' (or __fp4) is missing");
        Map<String, Object> js = stateJson(where.get(stateKey), stateKey);
        String keyType = stateKey.substring(stateKey.length() - 3);
        if (js.get("quant_type") != null && !keyType.equals(js.get("quant_type")))
            throw fail(wf, w, "quant_state key says " + keyType + " but its JSON says quant_type " + js.get("quant_type"));
        QuantType type = QuantType.fromBnbName(keyType);
        int blocksize = intField(wf, w, js, "blocksize");
        try {
            Blocksizes.check4bit(blocksize);
        } catch (IllegalArgumentException e) {
            throw fail(wf, w, e.getMessage());
        }
        if (!(js.get("shape") instanceof List<?> shapeList) || shapeList.isEmpty())
            throw fail(wf, w, "quant_state JSON has no \"shape\" list");
        int[] shape = new int[shapeList.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE)
                throw fail(wf, w, "quant_state shape " + Json.write(shapeList) + " is not a list of dimensions");
            shape[i] = (int) (long) d;
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 8) throw fail(wf, w, "quant_state shape " + Arrays.toString(shape) + " is too large");
        if (wf.dtype(w) != SafetensorsDtype.U8)
            throw fail(wf, w, "has dtype " + wf.dtype(w) + "; packed 4-bit data is U8");
        long packedBytes = wf.info(w).numel();
        if (packedBytes != (n + 1) / 2)
            throw fail(wf, w, "packed 4-bit data holds " + packedBytes + " bytes but quant_state shape "
                    + Arrays.toString(shape) + " needs " + (n + 1) / 2);
        byte[] packed = wf.bytes(w).toArray(ValueLayout.JAVA_BYTE);
        long blocks = (n + blocksize - 1) / blocksize;

        float[] quantMap = f32(where, w, w + ".quant_map", 16);
        float[] book = type.codebook();
        for (int i = 0; i < 16; i++)
            if (Float.floatToIntBits(quantMap[i]) != Float.floatToIntBits(book[i]) && !(quantMap[i] == 0f && book[i] == 0f))
                throw fail(wf, w, "quant_map[" + i + "] = " + quantMap[i] + " is not the " + type.bnbName()
                        + " code book's " + book[i]);

        String absKey = w + ".absmax";
        SafetensorsFile af = need(where, w, absKey);
        boolean nested = where.containsKey(w + ".nested_absmax") || js.containsKey("nested_offset");
        if (!nested) {
            return new Quantized4bit(type, blocksize, shape, packed, f32(where, w, absKey, blocks), null);
        }
        if (af.dtype(absKey) != SafetensorsDtype.U8)
            throw fail(af, absKey, "has dtype " + af.dtype(absKey) + "; double-quantized absmax codes are U8");
        if (af.info(absKey).numel() != blocks)
            throw fail(af, absKey, "holds " + af.info(absKey).numel() + " codes but " + w + " has " + blocks
                    + " blocks of " + blocksize);
        byte[] codes = af.bytes(absKey).toArray(ValueLayout.JAVA_BYTE);
        int nestedBlocksize = intField(wf, w, js, "nested_blocksize");
        if (nestedBlocksize <= 0) throw fail(wf, w, "quant_state nested_blocksize " + nestedBlocksize + " is not positive");
        if (!(js.get("nested_offset") instanceof Number off))
            throw fail(wf, w, "quant_state JSON has no numeric \"nested_offset\"");
        float[] nestedAbsmax = f32(where, w, w + ".nested_absmax", (blocks + nestedBlocksize - 1) / nestedBlocksize);
        float[] nestedMap = f32(where, w, w + ".nested_quant_map", 256);
        return new Quantized4bit(type, blocksize, shape, packed, null,
                new DoubleQuantState(codes, nestedAbsmax, off.floatValue(), nestedBlocksize, nestedMap));
    }

    private static Map<String, Object> stateJson(SafetensorsFile f, String key) {
        if (f.dtype(key) != SafetensorsDtype.U8) throw fail(f, key, "has dtype " + f.dtype(key) + "; expected U8 JSON bytes");
        String text = new String(f.bytes(key).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        try {
            return Json.parseObject(text);
        } catch (JsonException e) {
            throw fail(f, key, "is not a JSON object: " + e.getMessage());
        }
    }

    private static int intField(SafetensorsFile f, String w, Map<String, Object> js, String field) {
        if (!(js.get(field) instanceof Long v) || v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)
            throw fail(f, w, "quant_state JSON has no integer \"" + field + "\"");
        return (int) (long) v;
    }

    private static SafetensorsFile need(Map<String, SafetensorsFile> where, String w, String key) {
        SafetensorsFile f = where.get(key);
        if (f == null) throw fail(where.get(w), w, "quant-state tensor '" + key + "' is missing");
        return f;
    }

    private static float[] f32(Map<String, SafetensorsFile> where, String w, String key, long expected) {
        SafetensorsFile f = need(where, w, key);
        if (f.dtype(key) != SafetensorsDtype.F32) throw fail(f, key, "has dtype " + f.dtype(key) + "; expected F32");
        if (f.info(key).numel() != expected)
            throw fail(f, key, "holds " + f.info(key).numel() + " values; expected " + expected);
        float[] out = new float[(int) expected];
        MemorySegmentReader.floats(f.bytes(key), out);
        return out;
    }

    private static CheckpointException fail(SafetensorsFile f, String tensor, String problem) {
        return CheckpointException.at(f.path(), "tensor '" + tensor + "' " + problem);
    }

    /** Little-endian float32 out of a mapped segment. */
    private static final class MemorySegmentReader {
        static void floats(java.lang.foreign.MemorySegment s, float[] out) {
            java.lang.foreign.MemorySegment.copy(s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                    out, 0, out.length);
        }
    }

    // ---------------------------------------------------------------------------------------------- LLM.int8

    /**
     * A loaded LLM.int8 checkpoint (transformers load_in_8bit; bnb Linear8bitLt._save_to_state_dict): for a module
     * {@code M}, {@code M.weight} I8 [out, in] (row-wise codes), {@code M.SCB} F32 [out] (row absmax) and
     * {@code M.weight_format} U8 scalar 0 (row-major, the only format bitsandbytes still writes). {@code quantized}
     * is keyed by the weight name {@code M.weight}; the other tensors come back in float32.
     */
    public record Int8Contents(Map<String, Object> config, List<String> skipModules,
                               Map<String, Quantized8bit> quantized, Map<String, Tensor> tensors) {}

    /** Whether a parsed config.json describes a bitsandbytes LLM.int8 model. */
    public static boolean isInt8(Map<String, Object> config) {
        return isQuantized(config) && config.get("quantization_config") instanceof Map<?, ?> q
                && (Boolean.TRUE.equals(q.get("load_in_8bit")) || Boolean.TRUE.equals(q.get("_load_in_8bit")));
    }

    /** quantization_config for LLM.int8, as BitsAndBytesConfig(load_in_8bit=True, ...).to_dict() writes it. */
    public static Map<String, Object> int8ConfigJson(List<String> skipModules) {
        Map<String, Object> m = new TreeMap<>(QuantizationConfig.of(QuantType.FP4, false, skipModules).toHfJson());
        m.put("_load_in_4bit", false);
        m.put("_load_in_8bit", true);
        m.put("load_in_4bit", false);
        m.put("load_in_8bit", true);
        return m;
    }

    /** Writes an LLM.int8 checkpoint: row-wise {@link Quantized8bit} weights plus float32 tensors and config.json. */
    public static void saveInt8(Path dir, Map<String, Object> modelConfig, List<String> skipModules,
                                Map<String, Quantized8bit> quantized, Map<String, Tensor> tensors) {
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        for (Map.Entry<String, Quantized8bit> e : quantized.entrySet()) {
            Quantized8bit q = e.getValue();
            String name = e.getKey();
            if (q.scheme() != Quantized8bit.Scheme.ROWWISE_INT8 || q.shape().length != 2)
                throw new IllegalArgumentException("tensor '" + name + "': LLM.int8 checkpoints hold row-wise int8 matrices");
            if (!name.endsWith(".weight")) throw new IllegalArgumentException("tensor '" + name + "' is not a .weight");
            String module = name.substring(0, name.length() - ".weight".length());
            w.add(name, SafetensorsDtype.I8, new long[] {q.shape()[0], q.shape()[1]}, q.codes());
            w.addF32(module + ".SCB", new long[] {q.scales().length}, q.scales());
            w.add(module + ".weight_format", SafetensorsDtype.U8, new long[0], new byte[] {0});
        }
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue().contiguous();
            w.addF32(e.getKey(), java.util.Arrays.stream(t.shape()).asLongStream().toArray(), t.toArray());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw CheckpointException.at(dir, "cannot create the directory: " + e.getMessage(), e);
        }
        w.write(dir.resolve(WEIGHTS), RawSafetensorsWriter.ptMetadata());
        Map<String, Object> config = new LinkedHashMap<>(modelConfig);
        config.put("quantization_config", int8ConfigJson(skipModules));
        config.putIfAbsent("torch_dtype", "float32");
        AtomicFiles.write(dir.resolve(CONFIG), (Json.write(config) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Loads an LLM.int8 checkpoint directory; errors name the file and the tensor. */
    public static Int8Contents loadInt8(Path dir) {
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        if (!isInt8(config))
            throw CheckpointException.at(dir.resolve(CONFIG), "quantization_config is not a bitsandbytes load_in_8bit config");
        List<String> skip = null;
        if (((Map<?, ?>) config.get("quantization_config")).get("llm_int8_skip_modules") instanceof List<?> l) {
            skip = new ArrayList<>();
            for (Object o : l) skip.add(String.valueOf(o));
        }
        List<SafetensorsFile> open = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> where = openWeights(dir, open);
            Map<String, Quantized8bit> quantized = new LinkedHashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Set<String> consumed = new java.util.HashSet<>();
            for (Map.Entry<String, SafetensorsFile> e : where.entrySet()) {
                String n = e.getKey();
                SafetensorsFile f = e.getValue();
                boolean isScb = n.endsWith(".SCB");
                if (!(n.endsWith(".weight") && f.dtype(n) == SafetensorsDtype.I8) && !isScb) continue;
                String module = n.substring(0, n.lastIndexOf('.'));
                String wName = module + ".weight", scb = module + ".SCB", fmt = module + ".weight_format";
                if (!where.containsKey(wName)) throw fail(f, n, "belongs to '" + wName + "', which is missing");
                if (isScb) continue;   // handled with its weight
                if (!where.containsKey(scb)) throw fail(f, n, "is int8 but its row scales '" + scb + "' are missing");
                int[] shape = f.shape(n);
                if (shape.length != 2) throw fail(f, n, "is int8 with shape " + Arrays.toString(shape) + "; expected [out, in]");
                if (where.containsKey(fmt)) {
                    SafetensorsFile ff = where.get(fmt);
                    byte[] b = ff.bytes(fmt).toArray(ValueLayout.JAVA_BYTE);
                    if (b.length != 1 || b[0] != 0)
                        throw fail(ff, fmt, "is not 0 (row-major); older tiled int8 formats are not supported");
                }
                float[] scales = f32(where, n, scb, shape[0]);
                byte[] codes = f.bytes(n).toArray(ValueLayout.JAVA_BYTE);
                quantized.put(wName, new Quantized8bit(Quantized8bit.Scheme.ROWWISE_INT8, shape, codes, scales, shape[1], null));
                consumed.addAll(List.of(wName, scb, fmt));
            }
            for (Map.Entry<String, SafetensorsFile> e : where.entrySet())
                if (!consumed.contains(e.getKey())) {
                    if (e.getKey().endsWith(".weight_format"))
                        throw fail(e.getValue(), e.getKey(), "has no int8 weight beside it");
                    tensors.put(e.getKey(), e.getValue().toFloatTensor(e.getKey()));
                }
            return new Int8Contents(config, skip, quantized, tensors);
        } finally {
            for (SafetensorsFile f : open) f.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------- files

    /**
     * Opens the weight files of {@code dir} (model.safetensors, or the shards its index lists, checked by
     * {@link HfCheckpoint#weightFiles}) and maps each tensor name to its open file; every file opened is added to
     * {@code open}, which the caller closes.
     */
    private static Map<String, SafetensorsFile> openWeights(Path dir, List<SafetensorsFile> open) {
        Map<Path, SafetensorsFile> byPath = new LinkedHashMap<>();
        Map<String, SafetensorsFile> where = new LinkedHashMap<>();
        HfCheckpoint.weightFiles(dir).forEach((name, path) -> where.put(name, byPath.computeIfAbsent(path, p -> {
            SafetensorsFile f = Safetensors.read(p);
            open.add(f);
            return f;
        })));
        return where;
    }
}
