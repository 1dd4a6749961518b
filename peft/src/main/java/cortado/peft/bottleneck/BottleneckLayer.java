package cortado.peft.bottleneck;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.ResidualJoin;
import cortado.nn.SelfAttention;
import cortado.nn.models.KvCache;
import cortado.peft.AdapterDict;
import cortado.peft.BaseTunerLayer;
import cortado.peft.PeftException;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * adapter-hub's {@code BottleneckLayer} at one place of one layer: it wraps the sublayer whose output the adapters
 * follow (a decoder block's attention or MLP, a BERT residual output's dense) as {@code base_layer}, runs it
 * unchanged, and, as the {@link ResidualJoin} the block calls, joins its output to the residual stream through the
 * active adapters ({@code bottleneck_layer_forward}: each adapter's pre_forward and forward in turn, adapter-hub's
 * {@code Stack} when several are active, then the last one's post_forward). With no adapter active the join is the
 * base's own. Children: {@code base_layer}, {@code adapters.<name>}.
 */
public final class BottleneckLayer extends BaseTunerLayer implements SelfAttention, ResidualJoin {
    private final int hidden;

    public BottleneckLayer(Module base, int hidden) {
        super(base);
        if (!(base instanceof Layer) && !(base instanceof SelfAttention))
            throw new PeftException("a bottleneck adapter follows an attention or a layer, not a "
                    + base.getClass().getSimpleName());
        this.hidden = hidden;
        child("adapters", new AdapterDict());
        child("adapter_fusion_layer", new AdapterDict());
    }

    private AdapterDict fusions() { return childAt("adapter_fusion_layer"); }

    /** The fused adapters while a fusion is active here, else null. */
    private List<String> fused;

    /** Adds an AdapterFusion layer over {@code names} (all held here), adapter-hub's name "a,b". */
    public void addFusion(List<String> names, FusionConfig config, long seed, long stream) {
        for (String n : names) if (!adapterNames().contains(n)) throw new PeftException("no adapter '" + n + "' here");
        fusions().put(String.join(",", names), new AdapterFusion(hidden, config, seed, stream));
    }

    /** Whether this layer holds all of {@code names} (a fusion over them goes here). */
    public boolean holdsAll(List<String> names) { return adapterNames().containsAll(names); }

    public AdapterFusion fusion(List<String> names) { return fusions().at(String.join(",", names)); }

    /** Makes the fusion over {@code names} (added here) the join, or with null goes back to the active adapters. */
    public void activateFusion(List<String> names) {
        if (names != null) {
            fusion(names);
            setActiveAdapters(names);
        }
        fused = names;
    }

    private AdapterDict adapters() { return childAt("adapters"); }

    /** Adds adapter {@code name} (adapter-hub's {@code add_adapter} at this place), made active. */
    public void addAdapter(String name, BottleneckConfig config, long seed, long stream) {
        addAdapter(name, config, null, seed, stream);
    }

    /** As above, sharing {@code phmRule} (Compacter's rule matrices, from the adapter's first place; null: its own). */
    public void addAdapter(String name, BottleneckConfig config, Parameter phmRule, long seed, long stream) {
        checkNew(name);
        adapters().put(name, new BottleneckAdapter(hidden, config, phmRule, seed, stream));
        register(name);
    }

    public BottleneckAdapter adapter(String name) { return adapters().at(name); }

    /** The wrapped layer's output, unchanged (the adapters act in {@link #join}). */
    @Override
    public Tensor forward(Tensor x) {
        if (!(baseLayer() instanceof Layer l))
            throw new PeftException("this bottleneck layer wraps an attention: call it as one");
        return l.forward(x);
    }

    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        if (!(baseLayer() instanceof SelfAttention a))
            throw new PeftException("this bottleneck layer wraps a " + baseLayer().getClass().getSimpleName()
                    + ", not an attention");
        return a.forward(x, batch, seq, positions, cache, layer, mask);
    }

    @Override
    public Tensor join(Tensor out, Tensor residual, Layer norm) {
        List<String> active = pending();
        if (active.isEmpty()) return norm == null ? F.add(out, residual) : norm.forward(F.add(out, residual));
        if (fused != null && active.equals(fused)) return fuse(out, residual, norm);
        Tensor h = out;
        for (String name : active) {
            BottleneckAdapter a = adapter(name);
            h = a.forward(a.pre(h, residual, norm));
        }
        return adapter(active.get(active.size() - 1)).post(h, out, residual, norm);
    }

    /**
     * adapter-hub's {@code compose_fuse}: the last fused adapter's pre_forward gives the input, query and residual;
     * every fused adapter's up-projection of that input goes through the fusion layer, which adds the residual; the
     * last adapter's post_forward closes the layer.
     */
    private Tensor fuse(Tensor out, Tensor residual, Layer norm) {
        AdapterFusion f = fusion(fused);
        BottleneckAdapter last = adapter(fused.get(fused.size() - 1));
        BottleneckAdapter.State s = last.pre(out, residual, norm);
        java.util.ArrayList<Tensor> ups = new java.util.ArrayList<>();
        for (String n : fused) ups.add(adapter(n).up(s));
        Tensor h = f.forward(last.query(out, residual, s, f.config().queryBeforeLn()), ups, s.residual());
        return last.post(h, out, residual, norm);
    }

    @Override
    protected void removeTensors(String name) {
        for (String k : java.util.List.copyOf(fusions().children().keySet()))
            if (java.util.Arrays.asList(k.split(",")).contains(name)) fusions().remove(k);
        if (fused != null && fused.contains(name)) fused = null;
        adapters().remove(name);
    }

    @Override
    protected void mergeAdapter(String name) { throw new PeftException(BottleneckTuner.UNMERGEABLE); }

    @Override
    protected void unmergeAdapter(String name) { throw new PeftException(BottleneckTuner.UNMERGEABLE); }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        adapter(adapter).namedParameters().forEach((k, p) -> m.put("adapters." + adapter + "." + k, p));
        return m;
    }
}
