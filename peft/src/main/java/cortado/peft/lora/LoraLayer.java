package cortado.peft.lora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Dropout;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Linear16bit;
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
 * transposes the merged delta), {@link QuantizedLinear} (QLoRA: gradients reach x through the frozen quantized
 * product) or {@link Linear16bit} (a frozen bf16/f16 base, likewise). Children are PEFT's: {@code base_layer}, {@code lora_dropout.<adapter>}, {@code lora_A.<adapter>}
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
        else if (base instanceof Linear16bit h) { in = h.inFeatures(); out = h.outFeatures(); }
        else throw new PeftException("LoRA cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps Linear, Conv1D, 16-bit and quantized linear layers)");
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
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        if (!enabled) {
            if (!merged.isEmpty()) unmerge();
            return base.forward(x);
        }
        Tensor y = base.forward(x);
        for (String name : active) {
            if (merged.contains(name)) continue;
            Tensor h = this.<AdapterDict>childAt("lora_dropout").<Dropout>at(name).forward(x);
            h = lora(name, "lora_A").forward(h);
            h = lora(name, "lora_B").forward(h);
            y = F.add(y, F.scale(h, (float) (double) scaling.get(name)));
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
    public void deleteAdapter(String name) {
        if (!scaling.containsKey(name)) throw new PeftException("no adapter '" + name + "' in this layer");
        if (merged.contains(name))
            throw new PeftException("cannot delete adapter '" + name + "' while it is merged (unmerge it first)");
        for (String dict : List.of("lora_A", "lora_B", "lora_dropout")) this.<AdapterDict>childAt(dict).remove(name);
        scaling.remove(name);
        if (active.remove(name) && active.isEmpty() && !scaling.isEmpty())
            active.add(new java.util.TreeSet<>(scaling.keySet()).first());   // peft: sorted(remaining)[0]
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

    /**
     * W ± ΔW into the base. fp32 bases are updated in place. A quantized base (bitsandbytes' Linear4bit / 8-bit, as
     * peft's bnb merge does it) has this one layer's weight decoded, ΔW added and the sum quantized afresh in the
     * same format, so the merge rounds to the quantization grid (and unmerging rounds again). A 16-bit base stays
     * 16-bit: W + ΔW rounded to nearest even, as torch's {@code w16 += delta32}.
     */
    private void addToBase(Tensor delta, boolean subtract) {
        Module base = baseLayer();
        try (NoGrad ng = NoGrad.enter()) {
            switch (base) {
                case Linear l -> l.weight().set(plusOrMinus(l.weight().value(), delta, subtract));
                case Conv1D c -> c.weight().set(plusOrMinus(c.weight().value(), delta, subtract));
                case QuantizedLinear q -> replaceBase(q.requantized(plusOrMinus(q.decodedWeight(), delta, subtract)));
                case Linear16bit h -> replaceBase(h.withWeight(plusOrMinus(h.decodedWeight(), delta, subtract)));
                default -> throw new PeftException("merging LoRA into a " + base.getClass().getSimpleName()
                        + " base is not supported");
            }
        }
    }

    private static Tensor plusOrMinus(Tensor w, Tensor delta, boolean subtract) {
        return subtract ? F.sub(w, delta) : F.add(w, delta);
    }

    private void replaceBase(Module next) {
        next.train(baseLayer().isTraining());
        replace("base_layer", next);
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
