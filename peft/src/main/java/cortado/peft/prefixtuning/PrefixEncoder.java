package cortado.peft.prefixtuning;

import cortado.autograd.F;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.peft.prompt.BasePromptEncoder;
import cortado.tensor.Tensor;

/**
 * peft's {@code PrefixEncoder} with torch's names: without the projection the keys and values are the table,
 * {@code embedding [P, L * 2 * C]}; with it, {@code embedding [P, C]} goes through {@code transform} = Linear(C, H)
 * (0), Tanh, Linear(H, L * 2 * C) (2). Random init as torch's layers (N(0, 1) table, uniform linear layers), or
 * zero where peft's {@code init_weights = "zero"} puts zeros (the table, or the last layer's weight and bias).
 */
public final class PrefixEncoder extends BasePromptEncoder {
    private final Linear first, last;   // null without the projection

    public PrefixEncoder(PrefixTuningConfig c, long seed) {
        super(c.fields().numVirtualTokens(), c.prefixProjection() ? c.fields().tokenDim()
                : c.fields().numLayers() * 2 * c.fields().tokenDim());
        Init.normal(embedding.weight().value(), 1f, seed, 0);
        if (c.prefixProjection()) {
            int dim = c.fields().tokenDim(), hidden = c.encoderHiddenSize(), out = c.fields().numLayers() * 2 * dim;
            Sequential transform = child("transform", new Sequential());
            first = linear(transform, "0", dim, hidden, seed, 1, false);
            last = linear(transform, "2", hidden, out, seed, 2, c.zeroInit());
        } else {
            first = last = null;
            if (c.zeroInit()) Init.constant(embedding.weight().value(), 0f);
        }
    }

    private static Linear linear(Sequential seq, String index, int in, int out, long seed, long stream, boolean zero) {
        Linear l = seq.add(index, new Linear(in, out, true));
        if (zero) return l;   // a Linear starts at zero
        float bound = (float) (1 / Math.sqrt(in));   // torch's Linear init
        Init.uniform(l.weight().value(), bound, seed, 2 * stream + 1);
        Init.uniform(l.bias().value(), bound, seed, 2 * stream + 2);
        return l;
    }

    @Override
    public Tensor output() {
        Tensor x = embedding.weight().value();
        return first == null ? x : last.forward(F.tanh(first.forward(x)));
    }
}
