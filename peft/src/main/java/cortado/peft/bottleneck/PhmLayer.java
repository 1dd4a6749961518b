package cortado.peft.bottleneck;

import cortado.autograd.F;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.peft.lokr.Kronecker;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;

/**
 * adapter-hub's {@code PHMLayer} (Compacter, Mahabadi et al. 2021, "Compacter: Efficient Low-Rank Hypercomplex
 * Adapter Layers"), in the form its Compacter configs use: {@code y = x H + b} with
 * {@code H = Σ_{i<n} A_i ⊗ (W_left_i W_right_i)} {@code [in, out]}, the n rule matrices {@code A_i} (n x n, the
 * {@code phm_rule} {@code [n, n, n]}) shared by every PHM layer of the adapter, the low-rank {@code W_i} this layer's
 * own ({@code W_left} {@code [n, in/n, rank]}, {@code W_right} {@code [n, rank, out/n]}), bias {@code b}. Init as
 * adapter-hub's runs it: each W slice xavier-normal (its {@code init_W} tests the nonlinearity name for truth first,
 * so glorot-uniform never applies), the rule N(0, phm_init_range²), the bias zero.
 */
public final class PhmLayer extends Module implements Layer {
    private final Parameter rule;
    private final int n, in, out, rank;

    /**
     * A layer over the shared {@code rule}, or with null the adapter's first PHM layer, which registers the rule
     * (drawn N(0, ruleStd²)) as its {@code phm_rule} for the others to share ({@link #rule()}).
     */
    PhmLayer(int in, int out, int n, int rank, Parameter rule, double ruleStd, long seed, long stream) {
        if (in % n != 0 || out % n != 0)
            throw new PeftException("PHM layer " + in + " -> " + out + ": both sizes must be multiples of phm_dim " + n
                    + " (choose reduction_factor so that hidden / reduction_factor is)");
        this.n = n;
        this.in = in;
        this.out = out;
        this.rank = rank;
        if (rule == null) {
            rule = param("phm_rule", Backends.cpu().zeros(n, n, n));
            Init.normal(rule.value(), (float) ruleStd, seed, stream + 2);
        }
        this.rule = rule;
        Parameter left = param("W_left", Backends.cpu().zeros(n, in / n, rank));
        Parameter right = param("W_right", Backends.cpu().zeros(n, rank, out / n));
        param("b", Backends.cpu().zeros(out));
        // xavier_normal_ on each [a, b] slice: std sqrt(2 / (a + b))
        Init.normal(left.value(), (float) Math.sqrt(2.0 / (in / n + rank)), seed, stream);
        Init.normal(right.value(), (float) Math.sqrt(2.0 / (rank + out / n)), seed, stream + 1);
    }

    /** The shared rule matrices {@code [n, n, n]}. */
    public Parameter rule() { return rule; }

    /** {@code H = Σ_i A_i ⊗ (W_left_i W_right_i)}, {@code [in, out]}. */
    public Tensor weight() {
        Tensor a = rule.value(), l = ownParameters().get("W_left").value(), r = ownParameters().get("W_right").value();
        Tensor h = null;
        for (int i = 0; i < n; i++) {
            Tensor ai = F.reshape(F.slice(a, 0, i, i + 1), n, n);
            Tensor wi = F.matmul(F.reshape(F.slice(l, 0, i, i + 1), in / n, rank),
                    F.reshape(F.slice(r, 0, i, i + 1), rank, out / n));
            Tensor term = Kronecker.of(ai, wi);
            h = h == null ? term : F.add(h, term);
        }
        return h;
    }

    /** x {@code [N, in]} -> {@code x H + b} {@code [N, out]}. */
    @Override
    public Tensor forward(Tensor x) {
        return F.add(F.matmul(x, weight()), ownParameters().get("b").value());
    }
}
