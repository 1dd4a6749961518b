package cortado.peft.lokr;

import cortado.autograd.F;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.ParameterDict;
import cortado.peft.lycoris.LycorisLayer;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code lokr.Linear}: with {@code out = a·b} and {@code in = c·d} split by {@link Factorization},
 * {@code ΔW = (alpha / r) · W1 ⊗ W2}, W1 {@code [a, c]} and W2 {@code [b, d]}. A factor is a full matrix
 * ({@code lokr_w1}, {@code lokr_w2}) unless r is below half its larger side, then a rank-r product
 * ({@code lokr_w1_a [a, r] · lokr_w1_b [r, c]}, likewise for W2); W1 is decomposed only with {@code decompose_both}.
 */
public final class LoKrLayer extends LycorisLayer {
    private static final List<String> FACTORS =
            List.of("lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b");

    public LoKrLayer(Module base, long seed) {
        super(base, "LoKr", seed);
        for (String f : FACTORS) child(f, new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (peft's {@code update_layer}), made active. Inits as peft's: "true" zeroes W1 (or
     * W1a), the rest kaiming-uniform (ΔW starts at zero); "lycoris" zeroes W2 (or W2b) instead; "false" draws all.
     */
    public void addAdapter(String name, int r, double alpha, LoKrConfig c, long seed) {
        checkNew(name);
        Settings s = new Settings(r, alpha, c.rankDropout(), c.moduleDropout(), c.rankDropoutScale());
        Factorization inF = Factorization.of(in, c.decomposeFactor()), outF = Factorization.of(out, c.decomposeFactor());
        int a = outF.m(), b = outF.n(), cc = inF.m(), d = inF.n();
        boolean fullW1 = !(c.decomposeBothW1() && r < Math.max(a, cc) / 2.0);
        boolean fullW2 = !(r < Math.max(b, d) / 2.0);
        boolean zeroW1 = c.initWeights().equals("true"), zeroW2 = c.initWeights().equals("lycoris");
        SplittableRandom rnd = new SplittableRandom(seed);
        if (fullW1) put("lokr_w1", name, a, cc, zeroW1, rnd);
        else { put("lokr_w1_a", name, a, r, zeroW1, rnd); put("lokr_w1_b", name, r, cc, false, rnd); }
        if (fullW2) put("lokr_w2", name, b, d, zeroW2, rnd);
        else { put("lokr_w2_a", name, b, r, false, rnd); put("lokr_w2_b", name, r, d, zeroW2, rnd); }
        register(name, s);
    }

    private void put(String factor, String adapter, int rows, int cols, boolean zero, SplittableRandom rnd) {
        Backend be = ((Linear) baseLayer()).weight().value().backend();
        dict(factor).put(adapter, be.fromArray(zero ? new float[rows * cols] : kaimingUniform(rows, cols, rnd), rows, cols));
    }

    private ParameterDict dict(String f) { return childAt(f); }

    /** A factor: the full matrix, or the product of its two halves. */
    private Tensor factor(String w, String adapter) {
        if (dict(w).has(adapter)) return dict(w).at(adapter).value();
        return F.matmul(dict(w + "_a").at(adapter).value(), dict(w + "_b").at(adapter).value());
    }

    /** peft's {@code make_kron(w1, w2, scale)}. */
    @Override
    protected Tensor delta(String adapter) {
        return F.scale(Kronecker.of(factor("lokr_w1", adapter), factor("lokr_w2", adapter)),
                (float) settings(adapter).scaling());
    }

    @Override
    protected void removeTensors(String name) {
        for (String f : FACTORS) if (dict(f).has(name)) dict(f).remove(name);
        super.removeTensors(name);
    }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (String f : FACTORS) if (dict(f).has(adapter)) m.put(f + "." + adapter, dict(f).at(adapter));
        return m;
    }
}
