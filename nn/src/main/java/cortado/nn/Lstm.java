package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.List;

/**
 * A multi-layer LSTM (Hochreiter &amp; Schmidhuber 1997) exactly as torch's {@code nn.LSTM(batch_first=True)}, with its
 * parameter names ({@code weight_ih_l0 [4H, in]}, {@code weight_hh_l0 [4H, H]}, {@code bias_ih_l0},
 * {@code bias_hh_l0}, and {@code ..._reverse} for the backward direction) and gate order i, f, g, o:
 * <pre>
 *   [i f g o] = x W_ih^T + b_ih + h W_hh^T + b_hh
 *   c' = sigmoid(f) c + sigmoid(i) tanh(g),   h' = sigmoid(o) tanh(c')
 * </pre>
 * from zero h and c. A bidirectional layer runs a second LSTM over the reversed sequence and concatenates both
 * outputs per step ({@code [fwd, bwd]}, width 2H), the next layer's input. Built from autograd ops, so gradients
 * reach every weight (P-tuning's prompt encoder trains through it). Dropout between layers is not implemented.
 */
public final class Lstm extends Module {
    private final int inputSize, hidden, layers;
    private final boolean bidirectional;

    public Lstm(int inputSize, int hidden, int layers, boolean bidirectional) {
        if (inputSize <= 0 || hidden <= 0 || layers <= 0)
            throw new IllegalArgumentException("LSTM sizes must be positive: input " + inputSize + ", hidden " + hidden
                    + ", layers " + layers);
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.layers = layers;
        this.bidirectional = bidirectional;
        int dirs = bidirectional ? 2 : 1;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputSize : hidden * dirs;
            for (String suffix : bidirectional ? List.of("", "_reverse") : List.of("")) {
                param("weight_ih_l" + l + suffix, Backends.cpu().zeros(4 * hidden, in));
                param("weight_hh_l" + l + suffix, Backends.cpu().zeros(4 * hidden, hidden));
                param("bias_ih_l" + l + suffix, Backends.cpu().zeros(4 * hidden));
                param("bias_hh_l" + l + suffix, Backends.cpu().zeros(4 * hidden));
            }
        }
    }

    /** torch's {@code reset_parameters}: every weight and bias U(-1/sqrt(H), 1/sqrt(H)), drawn from {@code seed}. */
    public Lstm initialize(long seed) {
        float bound = (float) (1.0 / Math.sqrt(hidden));
        long stream = 0;
        for (Parameter p : ownParameters().values()) Init.uniform(p.value(), bound, seed, stream++);
        return this;
    }

    /** x {@code [B, T, in]} -> outputs {@code [B, T, H]} ({@code [B, T, 2H]} bidirectional), torch's {@code output}. */
    public Tensor forward(Tensor x) {
        if (x.shape().length != 3 || x.size(2) != inputSize)
            throw new IllegalArgumentException("LSTM input must be [B, T, " + inputSize + "], got " + x);
        Tensor h = x;
        for (int l = 0; l < layers; l++) {
            Tensor fwd = direction(h, "l" + l, false);
            h = bidirectional ? F.concat(2, fwd, direction(h, "l" + l + "_reverse", true)) : fwd;
        }
        return h;
    }

    /** One direction of one layer over {@code x [B, T, in]}: the hidden state of every step, {@code [B, T, H]}. */
    private Tensor direction(Tensor x, String layer, boolean reverse) {
        int batch = x.size(0), steps = x.size(1);
        Tensor wih = ownParameters().get("weight_ih_" + layer).value(), whh = ownParameters().get("weight_hh_" + layer).value();
        Tensor bih = ownParameters().get("bias_ih_" + layer).value(), bhh = ownParameters().get("bias_hh_" + layer).value();
        // The input half of every step's gates in one product: [B*T, 4H].
        Tensor gatesIn = F.reshape(F.linear(F.reshape(x, batch * steps, x.size(2)), wih, bih), batch, steps, 4 * hidden);
        Tensor hPrev = null, c = null;
        Tensor[] out = new Tensor[steps];
        for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            Tensor g = F.reshape(F.slice(gatesIn, 1, t, t + 1), batch, 4 * hidden);
            g = hPrev == null ? F.add(g, bhh) : F.add(g, F.linear(hPrev, whh, bhh));
            Tensor i = F.sigmoid(F.slice(g, 1, 0, hidden)), f = F.sigmoid(F.slice(g, 1, hidden, 2 * hidden));
            Tensor cand = F.tanh(F.slice(g, 1, 2 * hidden, 3 * hidden)), o = F.sigmoid(F.slice(g, 1, 3 * hidden, 4 * hidden));
            c = c == null ? F.mul(i, cand) : F.add(F.mul(f, c), F.mul(i, cand));
            hPrev = F.mul(o, F.tanh(c));
            out[t] = F.reshape(hPrev, batch, 1, hidden);
        }
        return F.concat(1, out);
    }

    public int inputSize() { return inputSize; }

    public int hiddenSize() { return hidden; }

    public int numLayers() { return layers; }

    public boolean bidirectional() { return bidirectional; }
}
