package cortado.peft.loha;

import cortado.autograd.F;
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
 * PEFT's {@code loha.Linear}: {@code ΔW = ((W1a W1b) ⊙ (W2a W2b)) · alpha / r} (peft's {@code HadaWeight}, whose
 * hand-written backward is what autograd derives from the matmuls and the product here). Children are PEFT's
 * {@code base_layer}, {@code hada_w1_a.<adapter>} ({@code [out, r]}), {@code hada_w1_b} ({@code [r, in]}),
 * {@code hada_w2_a} ({@code [out, r]}) and {@code hada_w2_b} ({@code [r, in]}).
 */
public final class LoHaLayer extends LycorisLayer {
    private static final List<String> FACTORS = List.of("hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b");

    public LoHaLayer(Module base, long seed) {
        super(base, "LoHa", seed);
        for (String f : FACTORS) child(f, new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (peft's {@code update_layer}), made active: with {@code init}, W1a, W1b and W2a
     * kaiming-uniform and W2b zero ({@code reset_adapter_parameters}: ΔW starts at zero); without, all four
     * kaiming-uniform ({@code reset_adapter_parameters_random}).
     */
    public void addAdapter(String name, int r, double alpha, LoHaConfig c, long seed) {
        checkNew(name);
        Settings s = new Settings(r, alpha, c.rankDropout(), c.moduleDropout(), true); // LoHa always rescales by the mean
        SplittableRandom rnd = new SplittableRandom(seed);
        Backend be = ((cortado.nn.Linear) baseLayer()).weight().value().backend();
        dict("hada_w1_a").put(name, be.fromArray(kaimingUniform(out, r, rnd), out, r));
        dict("hada_w1_b").put(name, be.fromArray(kaimingUniform(r, in, rnd), r, in));
        dict("hada_w2_a").put(name, be.fromArray(kaimingUniform(out, r, rnd), out, r));
        dict("hada_w2_b").put(name, be.fromArray(c.initWeights() ? new float[r * in] : kaimingUniform(r, in, rnd), r, in));
        register(name, s);
    }

    private ParameterDict dict(String f) { return childAt(f); }

    private Tensor w(String f, String adapter) { return dict(f).at(adapter).value(); }

    @Override
    protected Tensor delta(String adapter) {
        Tensor w1 = F.matmul(w("hada_w1_a", adapter), w("hada_w1_b", adapter));
        Tensor w2 = F.matmul(w("hada_w2_a", adapter), w("hada_w2_b", adapter));
        return F.scale(F.mul(w1, w2), (float) settings(adapter).scaling());
    }

    @Override
    protected void removeTensors(String name) {
        for (String f : FACTORS) dict(f).remove(name);
        super.removeTensors(name);
    }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (String f : FACTORS) m.put(f + "." + adapter, dict(f).at(adapter));
        return m;
    }
}
