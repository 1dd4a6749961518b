package cortado.peft.ia3;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.peft.BaseTunerLayer;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code ia3.Linear} over a frozen {@link Linear}, GPT-2 {@link Conv1D} or {@link QuantizedLinear}: with
 * {@code l} the product of the active adapters' vectors, {@code y = base(x) ⊙ l} ({@code ia3_l} of shape
 * {@code [out, 1]}) or, for a feed-forward target, {@code y = base(x ⊙ l)} ({@code [1, in]}). Children are PEFT's:
 * {@code base_layer} and {@code ia3_l.<adapter>}, called by name. Merging multiplies W's rows (output scaling, and the
 * bias) or columns (input scaling) by l; unmerging divides by {@code l + 1e-8} as peft does, so it is exact only up
 * to rounding.
 */
public final class IA3Layer extends BaseTunerLayer {
    /** peft's guard against dividing by a zero vector entry in unmerge. */
    private static final float UNMERGE_EPS = 1e-8f;

    private final int in, out;
    private final boolean feedforward;

    public IA3Layer(Module base, boolean feedforward) {
        super(base);
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else if (base instanceof QuantizedLinear q) { in = q.inFeatures(); out = q.outFeatures(); }
        else throw new PeftException("IA3 cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps Linear, Conv1D and quantized linear layers)");
        this.feedforward = feedforward;
        child("ia3_l", new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (PEFT's {@code update_layer}), made active: ones with {@code init}, else drawn standard
     * normal as peft's {@code torch.randn} leaves it.
     */
    public void addAdapter(String name, boolean init, long seed) {
        checkNew(name);
        Tensor v = feedforward ? Backends.cpu().zeros(1, in) : Backends.cpu().zeros(out, 1);
        if (init) Init.constant(v, 1f);
        else Init.normal(v, 1f, seed, 0);
        vectors().put(name, v);
        register(name);
    }

    private ParameterDict vectors() { return childAt("ia3_l"); }

    /** Whether this layer scales its input (a feed-forward target) rather than its output. */
    public boolean isFeedforward() { return feedforward; }

    /** The product of the active, unmerged adapters' vectors, flattened, or null when there is none. */
    private Tensor scaling(List<String> pending) {
        Tensor s = null;
        for (String name : pending) {
            Tensor l = vectors().at(name).value();
            Tensor flat = F.reshape(l, l.numel());
            s = s == null ? flat : F.mul(s, flat);
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        Tensor s = scaling(pending());
        if (s == null) return base.forward(x);
        return feedforward ? base.forward(F.mul(x, s)) : F.mul(base.forward(x), s);
    }

    @Override
    protected void removeTensors(String name) { vectors().remove(name); }

    /**
     * The vector shaped to broadcast over the stored weight (peft's {@code transpose(ia3_l, fan_in_fan_out)}):
     * Linear's W is {@code [out, in]}, so {@code [out, 1]} scales rows and {@code [1, in]} columns; Conv1D's is
     * {@code [in, out]}, so the vector is transposed.
     */
    private Tensor weightScaling(String adapter) {
        Tensor l = vectors().at(adapter).value();
        return baseLayer() instanceof Conv1D ? l.transpose(0, 1).contiguous() : l;
    }

    @Override
    protected void mergeAdapter(String name) { rescaleBase(name, false); }

    @Override
    protected void unmergeAdapter(String name) { rescaleBase(name, true); }

    /** W ⊙ l (and bias ⊙ l for an output-scaling target), or the division back by l + 1e-8. */
    private void rescaleBase(String adapter, boolean divide) {
        Parameter w, b;
        switch (baseLayer()) {
            case Linear l -> { w = l.weight(); b = l.bias(); }
            case Conv1D c -> { w = c.weight(); b = c.bias(); }
            default -> throw new PeftException("merging IA3 into a " + baseLayer().getClass().getSimpleName()
                    + " base is not supported (peft: cannot merge ia3 layers when the model is loaded in 4/8-bit)");
        }
        try (NoGrad ng = NoGrad.enter()) {
            Tensor s = weightScaling(adapter);
            w.set(divide ? F.div(w.value(), F.addScalar(s, UNMERGE_EPS)) : F.mul(w.value(), s));
            if (!feedforward && b != null) {
                Tensor flat = F.reshape(vectors().at(adapter).value(), out);
                b.set(divide ? F.div(b.value(), F.addScalar(flat, UNMERGE_EPS)) : F.mul(b.value(), flat));
            }
        }
    }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("ia3_l." + adapter, vectors().at(adapter));
        return m;
    }
}
