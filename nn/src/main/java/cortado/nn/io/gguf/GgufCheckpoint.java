package cortado.nn.io.gguf;

import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.GgmlLinear;
import cortado.nn.GgmlWeight;
import cortado.nn.HalfWeight;
import cortado.nn.Linear;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.tensor.Backend;
import cortado.tensor.DType;
import cortado.tensor.DeferredZeros;
import cortado.tensor.GgmlType;
import cortado.tensor.Tensor;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a GGUF file (architectures {@code llama} and {@code gpt2}, as llama.cpp's convert_hf_to_gguf.py and
 * llama-quantize write them) as a Cortado model for inference: the config from the {@code <arch>.*} metadata, each
 * tensor under its Hugging Face name ({@link GgufTensorNames}), Llama's q/k rows put back in Hugging Face's order
 * ({@link QkPermutation}). Matrices stay in the file's format: F32 as fp32 parameters, F16/BF16 as 16-bit layers and
 * tables, Q8_0/Q4_0/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K as {@link GgmlLinear} layers and frozen {@link GgmlWeight} tables whose bytes are the
 * file's; norms and biases are fp32. The head is tied to the token embedding when the file has no {@code output.weight}
 * or stores the same bytes under both names.
 */
public final class GgufCheckpoint {
    private GgufCheckpoint() {}

    /** The model in {@code file}, its metadata beside it. */
    public static GgufModel load(Path file) {
        try (GgufFile f = GgufFile.open(file)) {
            Map<String, Object> md = f.metadata();
            String arch = string(f, "general.architecture");
            if (!arch.equals("llama") && !arch.equals("gpt2"))
                throw f.bad("general.architecture '" + arch + "' is not supported (Cortado reads llama and gpt2)");
            Map<String, GgufTensorInfo> ts = f.tensors();
            GgufTensorInfo embd = tensor(f, "token_embd.weight");
            if (embd.ne().length != 2) throw f.bad("token_embd.weight is not a matrix");
            GgufTensorInfo out = ts.get("output.weight");
            boolean tied = out == null || (out.type() == embd.type() && Arrays.equals(out.ne(), embd.ne())
                    && f.data(out).mismatch(f.data(embd)) == -1);
            Map<String, Object> config = config(f, arch, (int) embd.ne()[1], (int) embd.ne()[0], tied);
            CausalLm model;
            try (DeferredZeros deferred = DeferredZeros.enter()) {
                model = Models.forLoading(config);
            } catch (IllegalArgumentException e) {
                throw f.bad("the metadata does not describe a model Cortado builds: " + e.getMessage());
            }
            fill(f, arch, model, config);
            return new GgufModel(model, md);
        }
    }

    // ---- the config, from <arch>.* metadata ----

    static Map<String, Object> config(GgufFile f, String arch, int vocab, int embdCols, boolean tied) {
        String p = arch + ".";
        Map<String, Object> c = new LinkedHashMap<>();
        long hidden = integer(f, p + "embedding_length");
        if (hidden != embdCols) throw f.bad(p + "embedding_length " + hidden + " but token_embd.weight rows hold " + embdCols);
        long layers = integer(f, p + "block_count"), heads = integer(f, p + "attention.head_count");
        long ctx = integer(f, p + "context_length");
        long ff = f.metadata().containsKey(p + "feed_forward_length") ? integer(f, p + "feed_forward_length") : 4 * hidden;
        c.put("vocab_size", (long) vocab);
        c.put("tie_word_embeddings", tied);
        if (arch.equals("gpt2")) {
            c.put("model_type", "gpt2");
            c.put("n_embd", hidden);
            c.put("n_layer", layers);
            c.put("n_head", heads);
            c.put("n_positions", ctx);
            c.put("n_inner", ff);
            c.put("layer_norm_epsilon", number(f, p + "attention.layer_norm_epsilon"));
        } else {
            c.put("model_type", "llama");
            c.put("hidden_size", hidden);
            c.put("num_hidden_layers", layers);
            c.put("num_attention_heads", heads);
            c.put("num_key_value_heads", f.metadata().containsKey(p + "attention.head_count_kv")
                    ? integer(f, p + "attention.head_count_kv") : heads);
            c.put("max_position_embeddings", ctx);
            c.put("intermediate_size", ff);
            c.put("rms_norm_eps", number(f, p + "attention.layer_norm_rms_epsilon"));
            c.put("rope_theta", f.metadata().containsKey(p + "rope.freq_base") ? number(f, p + "rope.freq_base") : 10000.0);
            long headDim = hidden / heads;
            if (f.metadata().containsKey(p + "attention.key_length")) {
                headDim = integer(f, p + "attention.key_length");
                long v = f.metadata().containsKey(p + "attention.value_length") ? integer(f, p + "attention.value_length") : headDim;
                if (v != headDim) throw f.bad(p + "attention.value_length " + v + " differs from key_length " + headDim);
            }
            c.put("head_dim", headDim);
            if (f.metadata().containsKey(p + "rope.dimension_count") && integer(f, p + "rope.dimension_count") != headDim)
                throw f.bad(p + "rope.dimension_count " + integer(f, p + "rope.dimension_count") + " rotates part of a"
                        + " head of " + headDim + ", which Llama does not do");
            Object scaling = f.metadata().get(p + "rope.scaling.type");
            if (scaling != null && !"none".equals(scaling)) {
                if (!"linear".equals(scaling)) throw f.bad(p + "rope.scaling.type '" + scaling + "' is not supported");
                c.put("rope_scaling", Map.of("rope_type", "linear", "factor", number(f, p + "rope.scaling.factor")));
            }
            if (f.tensors().containsKey("rope_freqs.weight"))
                throw f.bad("rope_freqs.weight (Llama 3.1's rope scaling factors) is not supported yet");
            c.put("attention_bias", f.tensors().containsKey("blk.0.attn_q.bias"));
            c.put("mlp_bias", f.tensors().containsKey("blk.0.ffn_up.bias"));
        }
        Object bos = f.metadata().get("tokenizer.ggml.bos_token_id"), eos = f.metadata().get("tokenizer.ggml.eos_token_id");
        c.put("bos_token_id", bos instanceof Long ? bos : null);
        c.put("eos_token_id", eos instanceof Long ? eos : null);
        return c;
    }

    // ---- the weights ----

    private static void fill(GgufFile f, String arch, CausalLm model, Map<String, Object> config) {
        Map<String, Parameter> params = model.module().namedParameters();
        Map<String, Module> modules = model.module().namedModules();
        Set<String> used = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        boolean llama = arch.equals("llama");
        int heads = (int) (long) (Long) config.getOrDefault("num_attention_heads", 0L);
        int kvHeads = (int) (long) (Long) config.getOrDefault("num_key_value_heads", 0L);
        // Pass 1: every parameter has its tensor with its shape, before anything is set.
        Map<String, GgufTensorInfo> source = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey(), g = GgufTensorNames.of(arch, name);
            GgufTensorInfo t = g == null ? null : f.tensors().get(g);
            if (t == null) { missing.add(name + (g == null ? "" : " (" + g + ")")); continue; }
            int[] want = e.getValue().shape();
            Module m = modules.get(name.substring(0, name.lastIndexOf('.')));
            if (m instanceof Conv1D && name.endsWith(".weight")) want = new int[] {want[1], want[0]};
            if (!Arrays.equals(t.shape(), want))
                throw f.bad("tensor " + g + " is " + Arrays.toString(t.shape()) + " but the metadata gives " + name + " "
                        + Arrays.toString(want));
            if (t.ne().length == 1 && t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16)
                throw f.bad("tensor " + g + " is a vector stored as " + t.type() + " (vectors are F32, F16 or BF16)");
            source.put(name, t);
            used.add(g);
        }
        if (!missing.isEmpty()) throw f.bad("missing tensors: " + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                + (missing.size() > 5 ? " and " + (missing.size() - 5) + " more" : ""));
        if (Boolean.TRUE.equals(config.get("tie_word_embeddings")) && f.tensors().containsKey("output.weight")) used.add("output.weight");
        List<String> extra = new ArrayList<>();
        for (String n : f.tensors().keySet()) if (!used.contains(n)) extra.add(n);
        if (!extra.isEmpty()) throw f.bad("tensors Cortado has no place for: " + String.join(", ", extra.subList(0, Math.min(5, extra.size()))));

        for (Map.Entry<String, GgufTensorInfo> e : source.entrySet()) {
            String name = e.getKey();
            GgufTensorInfo t = e.getValue();
            byte[] raw = f.bytes(t);
            if (llama && (name.contains("self_attn.q_proj.") || name.contains("self_attn.k_proj."))) {
                int h = name.contains("q_proj") ? heads : kvHeads;
                int rows = t.ne().length == 1 ? (int) t.ne()[0] : (int) t.ne()[1];
                raw = QkPermutation.scatter(raw, QkPermutation.hfRowOfGgufRow(h, rows), raw.length / rows);
            }
            String path = name.substring(0, name.lastIndexOf('.'));
            Module m = modules.get(path);
            Parameter p = params.get(name);
            Backend be = p.value().backend();
            boolean matrix = name.endsWith(".weight") && t.ne().length == 2
                    && (m instanceof Linear || m instanceof Conv1D || m instanceof Embedding);
            if (!matrix || t.type() == GgmlType.F32) {
                float[] v = floats(raw, t.type());
                if (m instanceof Conv1D && name.endsWith(".weight")) v = transpose(v, (int) t.ne()[1], (int) t.ne()[0]);
                float[] vals = v;
                be.writeHost(p.value(), (dst, off, n) -> System.arraycopy(vals, 0, dst, off, n));
                continue;
            }
            int rows = (int) t.ne()[1], cols = (int) t.ne()[0];
            Tensor bias = m instanceof Linear l && l.bias() != null ? l.bias().value()
                    : m instanceof Conv1D c ? c.bias().value() : null;
            if (t.type() == GgmlType.F16 || t.type() == GgmlType.BF16) {
                DType dt = t.type() == GgmlType.F16 ? DType.F16 : DType.BF16;
                HalfWeight hw = HalfWeight.of(be, dt, shorts(raw), rows, cols);
                if (m instanceof Embedding emb) emb.freeze(hw);
                else model.module().replace(path, new Linear16bit(hw, bias, m instanceof Conv1D));
            } else {
                GgmlWeight gw = new GgmlWeight(be.quantizedGgml(t.type(), raw, rows, cols), t.type());
                if (m instanceof Embedding emb) emb.freeze(gw);
                else model.module().replace(path, new GgmlLinear(gw, bias, m instanceof Conv1D));
            }
        }
    }

    static float[] floats(byte[] raw, GgmlType type) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        return switch (type) {
            case F32 -> { float[] v = new float[raw.length / 4]; b.asFloatBuffer().get(v); yield v; }
            case F16 -> { short[] s = shorts(raw); float[] v = new float[s.length]; for (int i = 0; i < s.length; i++) v[i] = Float.float16ToFloat(s[i]); yield v; }
            case BF16 -> { short[] s = shorts(raw); float[] v = new float[s.length]; for (int i = 0; i < s.length; i++) v[i] = DType.bf16ToF32(s[i]); yield v; }
            default -> throw new IllegalArgumentException(type + " is not a float type");
        };
    }

    static short[] shorts(byte[] raw) {
        short[] s = new short[raw.length / 2];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }

    /** The [cols, rows] transpose of row-major {@code a} [rows, cols]. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    private static GgufTensorInfo tensor(GgufFile f, String name) {
        GgufTensorInfo t = f.tensors().get(name);
        if (t == null) throw f.bad("no tensor " + name);
        return t;
    }

    private static String string(GgufFile f, String key) {
        if (!(f.metadata().get(key) instanceof String s))
            throw f.bad(f.metadata().containsKey(key) ? key + " is not a string" : "no " + key + " in the metadata");
        return s;
    }

    private static long integer(GgufFile f, String key) {
        Object v = f.metadata().get(key);
        if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE)
            throw f.bad(v == null ? "no " + key + " in the metadata" : key + " = " + v + " is not a positive integer");
        return l;
    }

    private static double number(GgufFile f, String key) {
        Object v = f.metadata().get(key);
        if (!(v instanceof Double d) || !(d > 0) || Double.isInfinite(d))
            throw f.bad(v == null ? "no " + key + " in the metadata" : key + " = " + v + " is not a positive number");
        return d;
    }
}
