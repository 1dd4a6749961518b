package cortado.peft.ptuning;

import cortado.autograd.F;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.nn.Lstm;
import cortado.peft.prompt.BasePromptEncoder;
import cortado.tensor.Tensor;

/**
 * peft's P-tuning {@code PromptEncoder} with torch's names: {@code embedding [P, C]}, then
 * <ul>
 *   <li>MLP: {@code mlp_head} = Linear(C, H) (0), ReLU, Linear(H, H) (2), ReLU, Linear(H, C) (4);</li>
 *   <li>LSTM: {@code lstm_head} = bidirectional {@link Lstm}(C, H, encoder_num_layers) over the P tokens as one
 *       sequence, then {@code mlp_head} = Linear(2H, 2H) (0), ReLU, Linear(2H, C) (2).</li>
 * </ul>
 * Initialized as torch initializes those layers (embedding N(0, 1), linear and LSTM weights uniform) from Cortado's seed.
 */
public final class PromptEncoder extends BasePromptEncoder {
    private final Lstm lstm;          // null: the MLP encoder
    private final Linear[] mlp;

    public PromptEncoder(PromptEncoderConfig c, long seed) {
        super(c.fields().totalVirtualTokens(), c.fields().tokenDim());
        int dim = c.fields().tokenDim(), hidden = c.encoderHiddenSize();
        Init.normal(embedding.weight().value(), 1f, seed, 0);
        Sequential head = child("mlp_head", new Sequential());
        if (c.encoderType().equals("LSTM")) {
            lstm = child("lstm_head", new Lstm(dim, hidden, c.encoderNumLayers(), true)).initialize(seed ^ 0x15L);
            mlp = new Linear[] {linear(head, "0", 2 * hidden, 2 * hidden, seed, 1), linear(head, "2", 2 * hidden, dim, seed, 2)};
        } else {
            lstm = null;
            mlp = new Linear[] {linear(head, "0", dim, hidden, seed, 1), linear(head, "2", hidden, hidden, seed, 2),
                    linear(head, "4", hidden, dim, seed, 3)};
        }
    }

    /** torch's Linear init: weight and bias U(-1/sqrt(in), 1/sqrt(in)). */
    static Linear linear(Sequential seq, String index, int in, int out, long seed, long stream) {
        Linear l = seq.add(index, new Linear(in, out, true));
        float bound = (float) (1 / Math.sqrt(in));
        Init.uniform(l.weight().value(), bound, seed, 2 * stream + 1);
        Init.uniform(l.bias().value(), bound, seed, 2 * stream + 2);
        return l;
    }

    @Override
    public Tensor output() {
        Tensor x = embedding.weight().value();
        if (lstm != null) {
            int p = x.size(0);
            Tensor h = lstm.forward(F.reshape(x, 1, p, x.size(1)));
            x = F.reshape(h, p, h.size(2));
        }
        for (int i = 0; i < mlp.length; i++) x = i == mlp.length - 1 ? mlp[i].forward(x) : F.relu(mlp[i].forward(x));
        return x;
    }
}
