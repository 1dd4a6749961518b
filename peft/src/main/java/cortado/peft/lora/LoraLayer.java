package cortado.peft.lora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.AdapterDict;
import cortado.peft.PeftException;
import cortado.peft.TunerLayer;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * PEFT's {@code lora.Linear}: {@code y = base(x) + Σ_active scaling_a · B_a(A_a(dropout_a(x)))} over a frozen
 * {@link Linear}, GPT-2 {@link Conv1D} (W stored {@code [in, out]}: PEFT's {@code fan_in_fan_out}, which only
 * transposes the merged delta) or {@link QuantizedLinear} (QLoRA: gradients reach x through the frozen quantized
 * product). Children are PEFT's: {@code base_layer}, {@code lora_dropout.<adapter>}, {@code lora_A.<adapter>}
 * ({@code [r, in]}) and {@code lora_B.<adapter>} ({@code [out, r]}), all called by name.
 */
public final class LoraLayer extends Module implements TunerLayer {
    private final int in, out;
    private final Map<String, Double> scaling = new LinkedHashMap<>();
    private final List<String> merged = new ArrayList<>();
    private List<String> active = new ArrayList<>();
    private boolean enabled = true;

    public LoraLayer(Module base) {
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else if (base instanceof QuantizedLinear q) { in = q.inFeatures(); out = q.outFeatures(); }
        else throw new PeftException("LoRA cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps Linear, Conv1D and quantized linear layers)");
        child("base_layer", base);
        child("lora_dropout", new AdapterDict());
        child("lora_A", new AdapterDict());
        child("lora_B", new AdapterDict());
    }

    /**
     * Adds adapter {@code name} of rank r (PEFT's {@code update_layer}), made active. With {@code initLoraWeights} A is
     * drawn as torch's {@code kaiming_uniform_(a=sqrt(5))} (uniform in ±1/sqrt(in)) and B is zero, so the layer
     * computes its base exactly; without it both are drawn as torch's nn.Linear default (B in ±1/sqrt(r)), as peft's
     * {@code init_lora_weights=False} leaves them.
     */
    public void addAdapter(String name, int r, double scale, double dropout, boolean initLoraWeights, long seed) {
        if (adapterNames().contains(name)) throw new PeftException("adapter '" + name + "' already exists");
        Linear a = this.<AdapterDict>childAt("lora_A").put(name, new Linear(in, r, false));
        Linear b = this.<AdapterDict>childAt("lora_B").put(name, new Linear(r, out, false));
        this.<AdapterDict>childAt("lora_dropout").put(name, new Dropout((float) dropout));
        SplittableRandom rnd = new SplittableRandom(seed);
        kaimingUniform(a.weight(), in, rnd);
        if (!initLoraWeights) kaimingUniform(b.weight(), r, rnd);
        scaling.put(name, scale);
        active.add(name);
    }

    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): kaiming_uniform_ with a = sqrt(5), gain sqrt(2/(1+a²)), bound gain·sqrt(3/fanIn). */
    private static void kaimingUniform(Parameter p, int fanIn, SplittableRandom rnd) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] v = new float[p.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-bound, bound);
        Tensor t = p.value().backend().fromArray(v, p.shape());
        p.set(t);
    }

    @Override
    public Tensor forward(Tensor x) { return forward(x, false); }

    /** gelu(forward(x)), the GELU fused into the last adapter's sum (or into the base layer when none applies). */
    @Override
    public Tensor forwardGelu(Tensor x) { return forward(x, true); }

    private Tensor forward(Tensor x, boolean gelu) {
        Layer base = childAt("base_layer");
        if (!enabled && !merged.isEmpty()) unmerge();
        List<String> pending = enabled ? active.stream().filter(n -> !merged.contains(n)).toList() : List.of();
        if (pending.isEmpty()) return gelu ? base.forwardGelu(x) : base.forward(x);
        Tensor y = base.forward(x);
        for (int i = 0; i < pending.size(); i++) {
            String name = pending.get(i);
            Tensor h = this.<AdapterDict>childAt("lora_dropout").<Dropout>at(name).forward(x);
            h = lora(name, "lora_A").forward(h);
            // lora_B's product, the scaling and the sum in one op: y + (scaling h) B^T (F.addLinear).
            Tensor b = lora(name, "lora_B").weight().value();
            float s = (float) (double) scaling.get(name);
            y = gelu && i == pending.size() - 1 ? F.addLinearGelu(y, h, b, s) : F.addLinear(y, h, b, s);
        }
        return y;
    }

    private Linear lora(String adapter, String which) { return this.<AdapterDict>childAt(which).at(adapter); }

    @Override
    public Module baseLayer() { return childAt("base_layer"); }

    @Override
    public Set<String> adapterNames() { return new LinkedHashSet<>(scaling.keySet()); }

    @Override
    public List<String> activeAdapters() { return List.copyOf(active); }

    @Override
    public void setActiveAdapters(List<String> names) {
        for (String n : names) if (!scaling.containsKey(n)) throw new PeftException("no adapter '" + n + "' in this layer");
        active = new ArrayList<>(names);
    }

    @Override
    public boolean adaptersEnabled() { return enabled; }

    @Override
    public void enableAdapters(boolean on) { enabled = on; }

    /** The scaling of one adapter (alpha/r, or alpha/sqrt(r) with rsLoRA). */
    public double scaling(String adapter) { return scaling.get(adapter); }

    /** The rank of one adapter. */
    public int rank(String adapter) { return lora(adapter, "lora_A").outFeatures(); }

    /**
     * scaling · B A, {@code [out, in]} (PEFT's {@code get_delta_weight}), transposed to {@code [in, out]} for a Conv1D
     * base ({@code fan_in_fan_out}).
     */
    public Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor d = F.scale(F.matmul(lora(adapter, "lora_B").weight().value(), lora(adapter, "lora_A").weight().value()),
                    (float) (double) scaling.get(adapter));
            return baseLayer() instanceof Conv1D ? d.transpose(0, 1).contiguous() : d;
        }
    }

    @Override
    public void merge() {
        for (String name : active) {
            if (merged.contains(name)) continue;
            addToBase(deltaWeight(name), false);
            merged.add(name);
        }
    }

    @Override
    public void unmerge() {
        for (int i = merged.size() - 1; i >= 0; i--) addToBase(deltaWeight(merged.get(i)), true);
        merged.clear();
    }

    private void addToBase(Tensor delta, boolean subtract) {
        Parameter w = switch (baseLayer()) {
            case Linear l -> l.weight();
            case Conv1D c -> c.weight();
            default -> throw new PeftException("merging LoRA into a " + baseLayer().getClass().getSimpleName()
                    + " base is not supported (the quantized weight would have to be dequantized and requantized)");
        };
        try (NoGrad ng = NoGrad.enter()) {
            w.set(subtract ? F.sub(w.value(), delta) : F.add(w.value(), delta));
        }
    }

    @Override
    public List<String> mergedAdapters() { return List.copyOf(merged); }

    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("lora_A." + adapter + ".weight", lora(adapter, "lora_A").weight());
        out.put("lora_B." + adapter + ".weight", lora(adapter, "lora_B").weight());
        return out;
    }
}
