package cortado.quant.nn;

import cortado.nn.Conv1D;
import cortado.nn.Embedding;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.quant.BlockwiseQuantizer;
import cortado.quant.Int8RowQuantizer;
import cortado.quant.QuantType;
import cortado.quant.Quantized4bit;
import cortado.quant.Quantized8bit;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whole-model quantization as transformers' {@code replace_with_bnb_linear} does it: every {@link Linear} and GPT-2
 * {@link Conv1D} child not on the skip list is replaced, by dotted name ({@link Module#replace}), with a
 * {@link Linear4bit} or {@link Linear8bit} holding its weight quantized (a Conv1D weight transposed to [out, in] first).
 * Embeddings, norms and a tied lm_head (which is the embedding matrix, not a layer) stay fp32, unless
 * {@link QuantizeSpec#includeEmbeddings}: then the token embedding table ({@link #TOKEN_EMBEDDINGS}) is frozen into a
 * {@link QuantizedTable} in the same format, and a tied head computes with it.
 */
public final class ModelQuantizer {
    private ModelQuantizer() {}

    /** The token embeddings of the families, by their Hugging Face names (position embeddings stay fp32). */
    public static final List<String> TOKEN_EMBEDDINGS = List.of("model.embed_tokens", "transformer.wte");

    /** Quantizes {@code model} in place; returns the dotted names of the replaced layers, in model order. */
    public static List<String> quantize(CausalLm model, QuantizeSpec spec) {
        Module root = model.module();
        List<String> replaced = new ArrayList<>();
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || spec.skips(path)) continue;
            Module q;
            if (m instanceof Linear lin) {
                q = quantizeLayer(spec, lin.weight().value(), lin.bias() == null ? null : lin.bias().value(), false);
            } else if (m instanceof Conv1D conv) {
                Tensor wt = conv.weight().value().transpose(0, 1).contiguous();
                q = quantizeLayer(spec, wt, conv.bias().value(), true);
            } else if (m instanceof Embedding emb && spec.includeEmbeddings() && TOKEN_EMBEDDINGS.contains(path)
                    && emb.frozen() == null) {
                emb.freeze(quantizeTable(spec, emb.weight().value()));
                replaced.add(path);
                continue;
            } else {
                continue;
            }
            root.replace(path, q);
            replaced.add(path);
        }
        return replaced;
    }

    /** An embedding table [V, C] quantized per spec: flattened into 4-bit blocks, or int8 per row. */
    static QuantizedTable quantizeTable(QuantizeSpec spec, Tensor table) {
        float[] w = table.toArray();
        int[] shape = table.shape();
        if (spec.fourBit())
            return QuantizedTable.of(BlockwiseQuantizer.quantize4bit(w, shape, QuantType.fromBnbName(spec.type()),
                    spec.blocksize(), spec.doubleQuant()), table.backend());
        return QuantizedTable.of(Int8RowQuantizer.quantize(w, shape), table.backend());
    }

    /** One layer: W [out, in] (already in the Linear layout) quantized per spec; the bias is kept as is (fp32). */
    static Module quantizeLayer(QuantizeSpec spec, Tensor weight, Tensor bias, boolean fromConv1D) {
        float[] w = weight.toArray();
        int[] shape = weight.shape();
        Tensor b = bias == null ? null : bias.backend().copy(bias);
        if (b != null) b.requiresGrad(bias.requiresGrad());
        if (spec.fourBit()) {
            Quantized4bit q = BlockwiseQuantizer.quantize4bit(w, shape, QuantType.fromBnbName(spec.type()),
                    spec.blocksize(), spec.doubleQuant());
            return new Linear4bit(q, b, fromConv1D, weight.backend());
        }
        Quantized8bit q = Int8RowQuantizer.quantize(w, shape);
        return new Linear8bit(q, b, fromConv1D, weight.backend());
    }
}
