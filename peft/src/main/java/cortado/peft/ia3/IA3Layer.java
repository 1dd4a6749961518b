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
import cortado.peft.TunerLayer;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PEFT's {@code ia3.Linear} over a frozen {@link Linear}, GPT-2 {@link Conv1D} or {@link QuantizedLinear}: with
 * {@code l} the product of the active adapters' vectors, {@code y = base(x) ⊙ l} ({@code ia3_l} of shape
 * {@code [out, 1]}) or, for a feed-forward target, {@code y = base(x ⊙ l)} ({@code [1, in]}). Children are PEFT's:
 * {@code base_layer} and {@code ia3_l.<adapter>}, called by name. Merging multiplies W's rows (output scaling, and the
 * bias) or columns (input scaling) by l; unmerging divides by {@code l + 1e-8} as peft does, so it is exact only up
 * to rounding.
 */
public final class IA3Layer extends Module implements TunerLayer {
    /** peft's guard against dividing by a zero vector entry in unmerge. */
    private static final float UNMERGE_EPS = 1e-8f;

    private final int in, out;
    private final boolean feedforward;
    private final List<String> merged = new ArrayList<>();
    private List<String> active = new ArrayList<>();
    private boolean enabled = true;

    public IA3Layer(Module base, boolean feedforward) {
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else if (base instanceof QuantizedLinear q) { in = q.inFeatures(); out = q.outFeatures(); }
        else throw new PeftException("IA3 cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps Linear, Conv1D and quantized linear layers)");
        this.feedforward = feedforward;
        child("base_layer", base);
        child("ia3_l", new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (PEFT's {@code update_layer}), made active: ones with {@code init}, else drawn standard
     * normal as peft's {@code torch.randn} leaves it.
     */
    public void addAdapter(String name, boolean init, long seed) {
        if (vectors().has(name)) throw new PeftException("adapter '" + name + "' already exists");
        Tensor v = feedforward ? Backends.cpu().zeros(1, in) : Backends.cpu().zeros(out, 1);
        if (init) Init.constant(v, 1f);
        else Init.normal(v, 1f, seed, 0);
        vectors().put(name, v);
        active.add(name);
    }

    private ParameterDict vectors() { return childAt("ia3_l"); }

    /** Whether this layer scales its input (a feed-forward target) rather than its output. */
    public boolean isFeedforward() { return feedforward; }

    /** The product of the active, unmerged adapters' vectors, flattened, or null when there is none. */
    private Tensor scaling() {
        Tensor s = null;
        for (String name : active) {
            if (merged.contains(name)) continue;
            Tensor l = vectors().at(name).value();
            Tensor flat = F.reshape(l, l.numel());
            s = s == null ? flat : F.mul(s, flat);
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        if (!enabled) {
            if (!merged.isEmpty()) unmerge();
            return base.forward(x);
        }
        Tensor s = scaling();
        if (s == null) return base.forward(x);
        return feedforward ? base.forward(F.mul(x, s)) : F.mul(base.forward(x), s);
    }

    @Override
    public Module baseLayer() { return childAt("base_layer"); }

    @Override
    public Set<String> adapterNames() { return new LinkedHashSet<>(vectors().ownParameters().keySet()); }

    @Override
    public List<String> activeAdapters() { return List.copyOf(active); }

    @Override
    public void setActiveAdapters(List<String> names) {
        for (String n : names) if (!vectors().has(n)) throw new PeftException("no adapter '" + n + "' in this layer");
        active = new ArrayList<>(names);
    }

    /**
     * Removes adapter {@code name}'s vector (PEFT's {@code delete_adapter}); it must not be merged. If it was the
     * active one, the alphabetically first remaining adapter becomes active (peft: {@code sorted(remaining)[0]}).
     */
    public void deleteAdapter(String name) {
        if (!vectors().has(name)) throw new PeftException("no adapter '" + name + "' in this layer");
        if (merged.contains(name))
            throw new PeftException("cannot delete adapter '" + name + "' while it is merged (unmerge it first)");
        vectors().remove(name);
        if (active.remove(name) && active.isEmpty() && !vectors().ownParameters().isEmpty())
            active.add(new java.util.TreeSet<>(vectors().ownParameters().keySet()).first());
    }

    @Override
    public boolean adaptersEnabled() { return enabled; }

    @Override
    public void enableAdapters(boolean on) { enabled = on; }

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
    public void merge() {
        for (String name : active) {
            if (merged.contains(name)) continue;
            rescaleBase(name, false);
            merged.add(name);
        }
    }

    @Override
    public void unmerge() {
        for (int i = merged.size() - 1; i >= 0; i--) rescaleBase(merged.get(i), true);
        merged.clear();
    }

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
    public List<String> mergedAdapters() { return List.copyOf(merged); }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("ia3_l." + adapter, vectors().at(adapter));
        return m;
    }
}
