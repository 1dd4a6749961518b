package cortado.peft.lntuning;

import cortado.autograd.NoGrad;
import cortado.nn.LayerNorm;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.RMSNorm;
import cortado.peft.AdapterDict;
import cortado.peft.BaseTunerLayer;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code LNTuningLayer} over a frozen {@link LayerNorm} or {@link RMSNorm}: child {@code ln_tuning_layers.<adapter>}
 * is a trained copy of the base layer ({@code deepcopy}), and the forward pass runs the active adapter's copy in place
 * of the base. Merging swaps the copy and the base ({@code self.base_layer, ln_tuning_layers[a] = ...}), exactly and
 * for one adapter at a time; unmerging swaps them back. Several active adapters are an error, as in peft.
 */
public final class LNTuningLayer extends BaseTunerLayer {

    public LNTuningLayer(Module base) {
        super(base);
        if (!(base instanceof LayerNorm) && !(base instanceof RMSNorm))
            throw new PeftException("LN tuning cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps LayerNorm and RMSNorm layers)");
        child("ln_tuning_layers", new AdapterDict());
    }

    /** Adds adapter {@code name}: a copy of the base layer with its current values (PEFT's {@code update_layer}). */
    public void addAdapter(String name) {
        checkNew(name);
        copies().put(name, copyOf(baseLayer()));
        register(name);
    }

    private AdapterDict copies() { return childAt("ln_tuning_layers"); }

    private static Module copyOf(Module m) {
        Module copy = switch (m) {
            case LayerNorm l -> new LayerNorm(l.weight().shape()[0], l.eps());
            case RMSNorm r -> new RMSNorm(r.weight().shape()[0], r.eps());
            default -> throw new IllegalStateException(m.getClass().getName());
        };
        try (NoGrad ng = NoGrad.enter()) {
            Map<String, Parameter> src = m.namedParameters();
            copy.namedParameters().forEach((n, p) -> {
                Tensor v = src.get(n).value();
                p.set(v.backend().copy(v));
            });
        }
        copy.train(m.isTraining());
        return copy;
    }

    @Override
    public Tensor forward(Tensor x) {
        var pending = pending();
        if (pending.isEmpty()) return ((Layer) baseLayer()).forward(x);
        if (activeAdapters().size() != 1)
            throw new PeftException("Trying to run forward with " + activeAdapters().size() + " active adapters, but LN"
                    + " tuning does not allow inference with more than one adapter at a time");
        return ((Layer) copies().at(pending.get(0))).forward(x);
    }

    /** peft refuses to merge two adapters; a merged one is unmerged first (peft warns "Already merged ... Unmerging first"). */
    @Override
    public void merge() {
        if (activeAdapters().size() > 1)
            throw new PeftException("Trying to merge " + activeAdapters().size() + " adapters, but LN tuning does not"
                    + " allow merging more than one adapter at a time");
        if (!mergedAdapters().isEmpty() && !mergedAdapters().equals(activeAdapters())) unmerge();
        super.merge();
    }

    @Override
    protected void mergeAdapter(String name) { swap(name); }

    @Override
    protected void unmergeAdapter(String name) { swap(name); }

    /** The base layer and adapter {@code name}'s copy trade places. */
    private void swap(String name) {
        Module base = baseLayer(), copy = copies().at(name);
        copies().remove(name);
        replace("base_layer", copy);
        copies().put(name, base);
    }

    @Override
    protected void removeTensors(String name) { copies().remove(name); }

    /** The copy's parameters, {@code ln_tuning_layers.<adapter>.weight} (and {@code .bias} for a LayerNorm). */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        copies().at(adapter).namedParameters().forEach((n, p) -> m.put("ln_tuning_layers." + adapter + "." + n, p));
        return m;
    }
}
