package cortado.quant.nn;

import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The inverse of {@link ModelQuantizer}: every quantized layer becomes the fp32 layer it replaced, weight dequantized. */
public final class Dequantizer {
    private Dequantizer() {}

    /**
     * Replaces every {@link Linear4bit} / {@link Linear8bit} in place and gives a quantized embedding table its fp32
     * parameter back; returns their dotted names.
     */
    public static List<String> dequantize(CausalLm model) {
        Module root = model.module();
        List<String> done = new ArrayList<>();
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            Module m = e.getValue();
            if (m instanceof cortado.nn.Embedding emb && emb.frozen() instanceof QuantizedTable t) {
                emb.thaw(emb.frozen().kernel().backend().fromArray(t.dequantize(), t.shape()));
                done.add(e.getKey());
                continue;
            }
            if (!(m instanceof QuantizedLinear l)) continue;
            Tensor w = l.dequantizedWeight(), b = l.bias() == null ? null : l.bias().value();
            boolean conv = l.fromConv1D();
            int in = l.inFeatures(), out = l.outFeatures();
            Module fp32;
            if (conv) {
                Conv1D c = new Conv1D(in, out);
                c.weight().set(w);
                if (b != null) c.bias().set(b);
                fp32 = c;
            } else {
                Linear lin = new Linear(in, out, b != null);
                lin.weight().set(w);
                if (b != null) lin.bias().set(b);
                fp32 = lin;
            }
            root.replace(e.getKey(), fp32);
            done.add(e.getKey());
        }
        return done;
    }
}
