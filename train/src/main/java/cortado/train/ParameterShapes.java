package cortado.train;

import cortado.nn.models.ModelConfig;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters a config describes, by their Hugging Face names and shapes, computed from the config alone: a 7B
 * model is counted without allocating it. A tied head is no parameter of its own (it shares the token embedding), so
 * it is listed once, as the checkpoints list it. Each tensor says which part of the model it belongs to, so a plan
 * can count embeddings apart and know which matrices a quantizer or LoRA would take.
 */
public record ParameterShapes(List<Entry> entries) {
    /** Where a tensor sits: the quantizable matrices are the blocks' linear weights. */
    public enum Part {
        /** Token and position embeddings. */
        EMBEDDING,
        /** An untied output projection. */
        HEAD,
        /** A linear layer's weight matrix inside a block (what NF4 quantizes and LoRA targets). */
        BLOCK_MATRIX,
        /** A block's norms and biases. */
        BLOCK_OTHER,
        /** The final norm. */
        FINAL_NORM
    }

    /**
     * One parameter tensor.
     *
     * @param module the dotted name of the module it belongs to, without ".weight"/".bias"
     * @param in     for a block matrix, the layer's input features (0 otherwise)
     * @param out    for a block matrix, the layer's output features (0 otherwise)
     */
    public record Entry(String name, long[] shape, Part part, String module, long in, long out) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    public ParameterShapes {
        entries = List.copyOf(entries);
    }

    /** The parameters of a GPT-2 or Llama-family config, in the model's own order. */
    public static ParameterShapes of(ModelConfig config) {
        return switch (config) {
            case Gpt2Config c -> gpt2(c);
            case LlamaConfig c -> llama(c);
            default -> throw new IllegalArgumentException("no parameter count for " + config.modelType());
        };
    }

    private static ParameterShapes gpt2(Gpt2Config c) {
        long v = c.vocabSize(), p = c.nPositions(), d = c.nEmbd(), ff = c.nInner();
        List<Entry> e = new ArrayList<>();
        other(e, "transformer.wte.weight", Part.EMBEDDING, v, d);
        other(e, "transformer.wpe.weight", Part.EMBEDDING, p, d);
        for (int i = 0; i < c.nLayer(); i++) {
            String h = "transformer.h." + i + ".";
            norm(e, h + "ln_1", d, true);
            conv1d(e, h + "attn.c_attn", d, 3 * d);   // Conv1D: weight [in, out]
            conv1d(e, h + "attn.c_proj", d, d);
            norm(e, h + "ln_2", d, true);
            conv1d(e, h + "mlp.c_fc", d, ff);
            conv1d(e, h + "mlp.c_proj", ff, d);
        }
        other(e, "transformer.ln_f.weight", Part.FINAL_NORM, d);
        other(e, "transformer.ln_f.bias", Part.FINAL_NORM, d);
        if (!c.tieWordEmbeddings()) other(e, "lm_head.weight", Part.HEAD, v, d);
        return new ParameterShapes(e);
    }

    private static ParameterShapes llama(LlamaConfig c) {
        long v = c.vocabSize(), h = c.hiddenSize(), ff = c.intermediateSize(), hd = c.headDim();
        long q = c.numAttentionHeads() * hd, kv = c.numKeyValueHeads() * hd;
        List<Entry> e = new ArrayList<>();
        other(e, "model.embed_tokens.weight", Part.EMBEDDING, v, h);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String l = "model.layers." + i + ".";
            linear(e, l + "self_attn.q_proj", h, q, c.qkvBias());
            linear(e, l + "self_attn.k_proj", h, kv, c.qkvBias());
            linear(e, l + "self_attn.v_proj", h, kv, c.qkvBias());
            linear(e, l + "self_attn.o_proj", q, h, c.outputBias());
            if (c.qkNorm()) {
                norm(e, l + "self_attn.q_norm", hd, false);
                norm(e, l + "self_attn.k_norm", hd, false);
            }
            linear(e, l + "mlp.gate_proj", h, ff, c.mlpBias());
            linear(e, l + "mlp.up_proj", h, ff, c.mlpBias());
            linear(e, l + "mlp.down_proj", ff, h, c.mlpBias());
            norm(e, l + "input_layernorm", h, false);
            norm(e, l + "post_attention_layernorm", h, false);
        }
        other(e, "model.norm.weight", Part.FINAL_NORM, h);
        if (!c.tieWordEmbeddings()) other(e, "lm_head.weight", Part.HEAD, v, h);
        return new ParameterShapes(e);
    }

    private static void other(List<Entry> e, String name, Part part, long... shape) {
        e.add(new Entry(name, shape, part, name.substring(0, name.lastIndexOf('.')), 0, 0));
    }

    private static void norm(List<Entry> e, String module, long dim, boolean bias) {
        e.add(new Entry(module + ".weight", new long[] {dim}, Part.BLOCK_OTHER, module, 0, 0));
        if (bias) e.add(new Entry(module + ".bias", new long[] {dim}, Part.BLOCK_OTHER, module, 0, 0));
    }

    private static void conv1d(List<Entry> e, String module, long in, long out) {
        e.add(new Entry(module + ".weight", new long[] {in, out}, Part.BLOCK_MATRIX, module, in, out));
        e.add(new Entry(module + ".bias", new long[] {out}, Part.BLOCK_OTHER, module, 0, 0));
    }

    private static void linear(List<Entry> e, String module, long in, long out, boolean bias) {
        e.add(new Entry(module + ".weight", new long[] {out, in}, Part.BLOCK_MATRIX, module, in, out));
        if (bias) e.add(new Entry(module + ".bias", new long[] {out}, Part.BLOCK_OTHER, module, 0, 0));
    }

    /** Elements of every tensor. */
    public long total() { return sum(null); }

    /** Elements of the tensors in {@code part}. */
    public long count(Part part) { return sum(part); }

    private long sum(Part part) {
        long n = 0;
        for (Entry e : entries) if (part == null || e.part() == part) n += e.numel();
        return n;
    }
}
