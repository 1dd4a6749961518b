package cortado.nn.io.gguf;

import cortado.data.tokenizer.GgufVocabulary;
import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.GgmlLinear;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.tensor.GgmlQuantizer;
import cortado.tensor.GgmlType;
import cortado.tensor.QuantizedWeight;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes a model as a GGUF v3 file llama.cpp runs, laid out as convert_hf_to_gguf.py lays out the same Hugging Face
 * checkpoint: architecture {@code gpt2} or {@code llama} (mistral without a sliding window too), its metadata keys,
 * tensors under their GGUF names in sorted Hugging Face name order, GPT-2's Conv1D weights transposed to [out, in], Llama's q/k rows
 * permuted ({@link QkPermutation}), GPT-2's tied head written out as {@code output.weight} (a tied Llama head is left
 * out, as Hugging Face leaves it out), and the tokenizer's {@code tokenizer.ggml.*}.
 *
 * <p>Types as convert_hf_to_gguf.py and llama-quantize's {@code --pure} choose them: vectors (norms, biases) and
 * GPT-2's position table stay F32; every other matrix takes the requested type, or F16 when its rows are not whole
 * blocks of 32 (what convert_hf_to_gguf.py does for Q8_0). Q8_0 and Q4_0 blocks are ggml's reference quantizers'
 * ({@link GgmlQuantizer}).
 */
public final class GgufExport {
    private GgufExport() {}

    /** llama.cpp's {@code llama_ftype} for a file of mostly {@code type}. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("Cortado does not write " + type + " files");
        };
    }

    /**
     * Writes {@code model} (fp32, 16-bit or ggml-block weights, decoded to fp32 first) with {@code vocab} to {@code out} in {@code type} (F32, F16, Q8_0 or
     * Q4_0) under {@code name}; {@code chatTemplate} may be null.
     */
    public static void write(CausalLm model, GgufVocabulary vocab, String chatTemplate, GgmlType type, String name, Path out) {
        fileType(type);
        if (type == GgmlType.BF16) throw new IllegalArgumentException("Cortado writes f32, f16, q8_0 or q4_0 GGUF files");
        Map<String, Object> hf = model.config().toHfJson();
        String modelType = (String) hf.get("model_type");
        String arch = switch (modelType) {
            case "gpt2" -> "gpt2";
            case "llama", "mistral" -> "llama";
            default -> throw new IllegalArgumentException("model_type '" + modelType + "' has no GGUF layout in Cortado"
                    + " (it writes gpt2 and llama)");
        };
        if (hf.get("sliding_window") != null)
            throw new IllegalArgumentException("a sliding attention window has no place in GGUF's llama layout");
        if (vocab.tokens().size() != model.config().vocabSize())
            throw new IllegalArgumentException("the tokenizer has " + vocab.tokens().size() + " ids, the model "
                    + model.config().vocabSize());
        GgufWriter w = new GgufWriter();
        w.string("general.architecture", arch);
        w.string("general.type", "model");
        w.string("general.name", name);
        String p = arch + ".";
        int heads, kvHeads = 0;
        if (arch.equals("gpt2")) {
            w.u32(p + "block_count", num(hf, "n_layer"));
            w.u32(p + "context_length", num(hf, "n_positions"));
            w.u32(p + "embedding_length", num(hf, "n_embd"));
            w.u32(p + "feed_forward_length", hf.get("n_inner") != null ? num(hf, "n_inner") : 4 * num(hf, "n_embd"));
            heads = (int) num(hf, "n_head");
            w.u32(p + "attention.head_count", heads);
            w.f32(p + "attention.layer_norm_epsilon", ((Number) hf.get("layer_norm_epsilon")).floatValue());
        } else {
            for (String k : new String[] {"rope_scaling", "rope_parameters"})
                if (hf.get(k) instanceof Map<?, ?> rs && rs.get("rope_type") != null && !"default".equals(rs.get("rope_type")))
                    throw new IllegalArgumentException(k + " " + rs.get("rope_type") + " has no GGUF form in Cortado yet");
            long hidden = num(hf, "hidden_size");
            heads = (int) num(hf, "num_attention_heads");
            kvHeads = hf.get("num_key_value_heads") != null ? (int) num(hf, "num_key_value_heads") : heads;
            long headDim = hf.get("head_dim") != null ? num(hf, "head_dim") : hidden / heads;
            w.u32(p + "block_count", num(hf, "num_hidden_layers"));
            w.u32(p + "context_length", num(hf, "max_position_embeddings"));
            w.u32(p + "embedding_length", hidden);
            w.u32(p + "feed_forward_length", num(hf, "intermediate_size"));
            w.u32(p + "attention.head_count", heads);
            w.u32(p + "attention.head_count_kv", kvHeads);
            w.f32(p + "rope.freq_base", ((Number) hf.getOrDefault("rope_theta", 10000.0)).floatValue());
            w.f32(p + "attention.layer_norm_rms_epsilon", ((Number) hf.get("rms_norm_eps")).floatValue());
            w.u32(p + "attention.key_length", headDim);
            w.u32(p + "attention.value_length", headDim);
        }
        w.u32("general.file_type", fileType(type));
        if (arch.equals("llama")) {
            w.u32(p + "vocab_size", model.config().vocabSize());
            w.u32(p + "rope.dimension_count", hf.get("head_dim") != null ? num(hf, "head_dim")
                    : num(hf, "hidden_size") / heads);
        }
        w.u32("general.quantization_version", 2);   // as convert_hf_to_gguf.py writes it, quantized or not
        vocabulary(w, vocab, chatTemplate);

        Map<String, Weight> weights = weights(model);
        boolean gpt2Tied = arch.equals("gpt2") && !weights.containsKey("lm_head.weight");
        for (Map.Entry<String, Weight> e : weights.entrySet()) {
            String hfName = e.getKey();
            String g = GgufTensorNames.of(arch, hfName);
            if (g == null) throw new IllegalArgumentException("parameter " + hfName + " has no GGUF name");
            Weight wt = e.getValue();
            int[] s = wt.shape();
            int qkHeads = hfName.contains("self_attn.q_proj.") ? heads : hfName.contains("self_attn.k_proj.") ? kvHeads : 0;
            GgmlType t = tensorType(type, g, s);
            w.tensor(g, s, t, () -> encode(wt.values().get(), s, qkHeads, t));
            if (gpt2Tied && g.equals("token_embd.weight")) w.tensor("output.weight", s, t, () -> encode(wt.values().get(), s, 0, t));
        }
        w.write(out);
    }

    /** A tensor to write: its shape in GGUF's layout (outermost first) and its fp32 values in that layout. */
    private record Weight(int[] shape, Supplier<float[]> values) {}

    /**
     * Every weight of {@code model} by Hugging Face name, in sorted name order (as convert_hf_to_gguf.py meets them
     * in a safetensors file): fp32 parameters (GPT-2's Conv1D weights transposed to [out, in]) and frozen 16-bit or
     * ggml-block layers and tables, decoded to fp32.
     */
    private static Map<String, Weight> weights(CausalLm model) {
        Map<String, Weight> out = new TreeMap<>();
        Map<String, Module> modules = model.module().namedModules();
        model.module().namedParameters().forEach((name, p) -> {
            Module m = modules.get(name.substring(0, name.lastIndexOf('.')));
            int[] shape = p.shape();
            if (m instanceof Conv1D && name.endsWith(".weight")) {
                int[] s = {shape[1], shape[0]};
                out.put(name, new Weight(s, () -> GgufCheckpoint.transpose(p.value().contiguous().toArray(), s[1], s[0])));
            } else {
                out.put(name, new Weight(shape, () -> p.value().contiguous().toArray()));
            }
        });
        modules.forEach((path, m) -> {
            QuantizedWeight k = switch (m) {
                case Linear16bit l -> l.weight().kernel();
                case GgmlLinear l -> l.weight().kernel();
                case Embedding e when e.frozen() != null -> e.frozen().kernel();
                default -> null;
            };
            if (k == null) return;
            if (!(m instanceof Linear16bit || m instanceof GgmlLinear || m instanceof Embedding))
                throw new IllegalArgumentException(path + " is held in a format GGUF export cannot read back");
            out.put(path + ".weight", new Weight(new int[] {k.rows(), k.cols()}, () -> {
                int[] rows = new int[k.rows()];
                for (int i = 0; i < rows.length; i++) rows[i] = i;
                return k.backend().quantizedEmbedding(k, rows).toArray();   // [out, in], whatever layer it replaced
            }));
        });
        for (Module m : modules.values())
            if (m instanceof cortado.nn.Layer && !(m instanceof Linear16bit || m instanceof GgmlLinear)
                    && m.getClass().getPackageName().startsWith("cortado.quant"))
                throw new IllegalArgumentException("the model holds bitsandbytes-quantized layers; dequantize it first");
        return out;
    }

    private static void vocabulary(GgufWriter w, GgufVocabulary v, String chatTemplate) {
        w.string("tokenizer.ggml.model", v.model());
        w.string("tokenizer.ggml.pre", v.pre());
        w.strings("tokenizer.ggml.tokens", v.tokens());
        w.i32s("tokenizer.ggml.token_type", v.tokenTypes());
        w.strings("tokenizer.ggml.merges", v.merges());
        if (v.bos() >= 0) w.u32("tokenizer.ggml.bos_token_id", v.bos());
        if (v.eos() >= 0) w.u32("tokenizer.ggml.eos_token_id", v.eos());
        if (v.unk() >= 0) w.u32("tokenizer.ggml.unknown_token_id", v.unk());
        if (v.pad() >= 0) w.u32("tokenizer.ggml.padding_token_id", v.pad());
        w.bool("tokenizer.ggml.add_bos_token", v.addBos());
        w.bool("tokenizer.ggml.add_eos_token", v.addEos());
        if (chatTemplate != null) w.string("tokenizer.chat_template", chatTemplate);
    }

    /** The type tensor {@code g} of {@code shape} is written in, in a file of mostly {@code type}. */
    static GgmlType tensorType(GgmlType type, String g, int[] shape) {
        if (shape.length < 2 || g.startsWith("position_embd.")) return GgmlType.F32;
        if (type.blockQuantized() && shape[shape.length - 1] % type.blockValues != 0) return GgmlType.F16;
        return type;
    }

    private static byte[] encode(float[] v, int[] shape, int qkHeads, GgmlType t) {
        if (qkHeads > 0) {
            int rows = shape[0], cols = shape.length == 1 ? 1 : shape[1];
            int[] from = QkPermutation.hfRowOfGgufRow(qkHeads, rows);
            float[] perm = new float[v.length];
            for (int r = 0; r < rows; r++) System.arraycopy(v, from[r] * cols, perm, r * cols, cols);
            v = perm;
        }
        return switch (t) {
            case F32 -> {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                yield b.array();
            }
            case F16 -> {
                ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) b.putShort(Float.floatToFloat16(x));
                yield b.array();
            }
            case Q8_0, Q4_0 -> GgmlQuantizer.quantize(t, v, 0, v.length);
            default -> throw new IllegalStateException(t.toString());
        };
    }

    private static long num(Map<String, Object> hf, String key) {
        if (!(hf.get(key) instanceof Number n)) throw new IllegalArgumentException("config has no " + key);
        return n.longValue();
    }
}
