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
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code lora.Linear}: {@code y = base(x) + Σ_active scaling_a · B_a(A_a(dropout_a(x)))} over a frozen
 * {@link Linear}, GPT-2 {@link Conv1D} (W stored {@code [in, out]}: PEFT's {@code fan_in_fan_out}, which only
 * transposes the merged delta), {@link QuantizedLinear} (QLoRA: gradients reach x through the frozen quantized
 * product) or {@link Linear16bit} (a frozen bf16/f16 base, likewise). Children are PEFT's: {@code base_layer},
 * {@code lora_dropout.<adapter>}, {@code lora_A.<adapter>} ({@code [r, in]}), {@code lora_B.<adapter>}
 * ({@code [out, r]}) and, for a DoRA adapter, {@code lora_magnitude_vector.<adapter>} ({@code [out]}, see
 * {@link Dora}), all called by name.
 */
public final class LoraLayer extends BaseTunerLayer implements LoraModule {
    private final int in, out;
    private final Map<String, Double> scaling = new LinkedHashMap<>();
    /** DoRA's row norms at merge time, needed to unmerge (peft's {@code <adapter>-weight_norm} cache). */
    private final Map<String, Tensor> mergedNorms = new HashMap<>();
    private MixedBatch mixed;   // null: every row uses the active adapters
    private ExpertScalings experts;   // null: no X-LoRA routing
    private int expertLayer;

    public LoraLayer(Module base) {
        super(base);
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else if (base instanceof QuantizedLinear q) { in = q.inFeatures(); out = q.outFeatures(); }
        else if (base instanceof Linear16bit h) { in = h.inFeatures(); out = h.outFeatures(); }
        else throw new PeftException("LoRA cannot wrap " + base.getClass().getSimpleName()
                    + " (it wraps Linear, Conv1D, 16-bit and quantized linear layers)");
        child("lora_dropout", new AdapterDict());
        child("lora_A", new AdapterDict());
        child("lora_B", new AdapterDict());
        child("lora_magnitude_vector", new ParameterDict());
    }

    /** Plain LoRA with init_lora_weights true or false (see {@link #addAdapter(String, LoraSpec)}). */
    public void addAdapter(String name, int r, double scale, double dropout, boolean initLoraWeights, long seed) {
        addAdapter(name, new LoraSpec(r, scale, dropout, LoraInit.of(initLoraWeights), false, null, seed));
    }

    /**
     * Adds adapter {@code name} (PEFT's {@code update_layer}), made active. A and B start as {@code spec.init()} says:
     * <ul>
     *   <li>DEFAULT: A as torch's {@code kaiming_uniform_(a=sqrt(5))} (uniform in ±1/sqrt(in)), B zero;</li>
     *   <li>RANDOM: both drawn as torch's nn.Linear default (B in ±1/sqrt(r));</li>
     *   <li>GAUSSIAN: A ~ N(0, (1/r)²), B zero;</li>
     *   <li>PISSA, OLORA, LOFTQ: factors of the base weight ({@link PissaInit}, {@link OloraInit}, {@link LoftqInit}),
     *       which then keeps the residual; the base must be an fp32 Linear (PiSSA: or Conv1D).</li>
     * </ul>
     * With DoRA, the magnitude starts at the row norms of {@code W + s·BA} (after the init), so the layer computes
     * what plain LoRA would.
     */
    @Override
    public void addAdapter(String name, LoraSpec spec) {
        checkNew(name);
        int r = spec.r();
        Linear a = this.<AdapterDict>childAt("lora_A").put(name, new Linear(in, r, false));
        Linear b = this.<AdapterDict>childAt("lora_B").put(name, new Linear(r, out, false));
        this.<AdapterDict>childAt("lora_dropout").put(name, new Dropout((float) spec.dropout()));
        scaling.put(name, spec.scaling());
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        switch (spec.init()) {
            case DEFAULT -> kaimingUniform(a.weight(), in, rnd);
            case RANDOM -> { kaimingUniform(a.weight(), in, rnd); kaimingUniform(b.weight(), r, rnd); }
            case GAUSSIAN -> gaussian(a.weight(), 1.0 / r, rnd);
            case PISSA, OLORA, LOFTQ -> startFromBase(name, spec, a, b);
        }
        if (spec.useDora()) {
            Tensor norm = Dora.rowNorms(baseWeightOutIn(), loraWeight(name), spec.scaling());
            this.<ParameterDict>childAt("lora_magnitude_vector").put(name, norm);
        }
        register(name);
    }

    /** PiSSA, OLoRA, LoftQ: A and B from a factorization of W, the residual written back into the base. */
    private void startFromBase(String name, LoraSpec spec, Linear a, Linear b) {
        String what = spec.init().toJson().toString();
        Module base = baseLayer();
        if (!(base instanceof Linear) && !(base instanceof Conv1D))
            throw new PeftException("init_lora_weights \"" + what + "\" needs an fp32 base weight, but this layer's base"
                    + " is a " + base.getClass().getSimpleName() + " (initialize on the fp32 model, then quantize the"
                    + " residual)");
        if (base instanceof Conv1D && spec.init() != LoraInit.PISSA)
            throw new PeftException("init_lora_weights \"" + what + "\" on a Conv1D (fan_in_fan_out) layer is not"
                    + " supported: peft's " + what + "_init factors the stored [in, out] weight, so its A and B do not"
                    + " fit the layer");
        LowRankStart st;
        try {
            float[] w = baseWeightOutIn().toArray();
            st = switch (spec.init()) {
                case PISSA -> PissaInit.of(w, out, in, spec.r(), spec.scaling());
                case OLORA -> OloraInit.of(w, out, in, spec.r(), spec.scaling());
                case LOFTQ -> LoftqInit.of(w, out, in, spec.r(), spec.loftq());
                default -> throw new IllegalStateException(what);
            };
        } catch (IllegalArgumentException e) {
            throw new PeftException("adapter '" + name + "': " + e.getMessage(), e);
        }
        a.weight().set(a.weight().value().backend().fromArray(st.a(), spec.r(), in));
        b.weight().set(b.weight().value().backend().fromArray(st.b(), out, spec.r()));
        Tensor residual = a.weight().value().backend().fromArray(st.base(), out, in);
        setStoredWeight(base instanceof Conv1D ? residual.transpose(0, 1).contiguous() : residual);
    }

    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): kaiming_uniform_ with a = sqrt(5), gain sqrt(2/(1+a²)), bound gain·sqrt(3/fanIn). */
    private static void kaimingUniform(Parameter p, int fanIn, SplittableRandom rnd) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] v = new float[p.numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-bound, bound);
        p.set(p.value().backend().fromArray(v, p.shape()));
    }

    /** N(0, std²) by Box-Muller (torch's normal_). */
    static void gaussian(Parameter p, double std, SplittableRandom rnd) {
        p.set(p.value().backend().fromArray(normal(p.numel(), std, rnd), p.shape()));
    }

    static float[] normal(int n, double std, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = 1.0 - rnd.nextDouble(), u2 = rnd.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    /**
     * PEFT's {@code lora.Linear.forward}. For a DoRA adapter ({@code DoraLinearVariant.forward}): without dropout (p 0
     * or eval) the base output already computed, less the bias, is DoRA's {@code W x}; with dropout, {@code W x'} is
     * computed again on the dropped-out input {@code x'}, which A and B see too.
     */
    @Override
    public Tensor forward(Tensor x) { return forward(x, false); }

    /** gelu(forward(x)), the GELU fused into the last adapter's sum (or into the base layer when none applies). */
    @Override
    public Tensor forwardGelu(Tensor x) { return forward(x, true); }

    private Tensor forward(Tensor x, boolean gelu) {
        Layer base = childAt("base_layer");
        if (mixed != null && mixed.on()) return mixedBatchForward(base, x, gelu);
        Tensor routing = experts == null ? null : experts.weights(expertLayer);
        if (routing != null) return expertForward(base, x, routing, gelu);
        List<String> pending = pending();
        if (pending.isEmpty()) return gelu ? base.forwardGelu(x) : base.forward(x);
        Tensor y = base.forward(x);
        for (int i = 0; i < pending.size(); i++) {
            String name = pending.get(i);
            boolean fuseGelu = gelu && i == pending.size() - 1;
            Dropout dropout = this.<AdapterDict>childAt("lora_dropout").at(name);
            boolean identity = dropout.p() == 0f || !dropout.isTraining();
            Tensor dropped = identity ? x : dropout.forward(x);
            Tensor h = lora(name, "lora_A").forward(dropped);
            double s = scaling.get(name);
            if (!isDora(name)) {
                // lora_B's product, the scaling and the sum in one op: y + (scaling h) B^T (F.addLinear).
                Tensor bw = lora(name, "lora_B").weight().value();
                y = fuseGelu ? F.addLinearGelu(y, h, bw, (float) s) : F.addLinear(y, h, bw, (float) s);
                continue;
            }
            Tensor lora = lora(name, "lora_B").forward(h);
            Tensor baseResult = identity ? withoutBias(y) : baseWithoutBias(dropped);
            Tensor norm = Dora.rowNorms(baseWeightOutIn(), loraWeight(name), s);
            y = F.add(y, Dora.term(baseResult, lora, magnitude(name).value(), norm, s));
            if (fuseGelu) y = F.gelu(y); // DoRA's term is not a plain product: the GELU comes after it
        }
        return y;
    }

    /**
     * PEFT's {@code _mixed_batch_forward}: the base product for every row, then each adapter the rows name adds its
     * term to its own rows (a 0/1 row mask), adapters this layer does not hold add nothing. Merged adapters are
     * refused: their delta is already in the base for every row.
     */
    private Tensor mixedBatchForward(Layer base, Tensor x, boolean gelu) {
        if (!mergedAdapters().isEmpty())
            throw new PeftException("mixed-batch inference needs unmerged adapters, but " + mergedAdapters() + " is merged");
        Tensor y = base.forward(x);
        for (String name : mixed.adapters()) {
            if (!adapterNames().contains(name)) continue;
            if (isDora(name)) throw new PeftException("mixed-batch inference does not support DoRA adapters ('" + name + "')");
            Tensor h = lora(name, "lora_A").forward(x);
            Tensor term = F.scale(F.linear(h, lora(name, "lora_B").weight().value(), null), scaling.get(name).floatValue());
            y = F.add(y, F.mul(term, mixed.mask(x, name)));
        }
        return gelu ? F.gelu(y) : y;
    }

    /**
     * peft's {@code XLoraLinearLayer.forward}: the base product, then each expert this layer holds adds
     * {@code scaling · global · B(A(dropout(x · w)))}, {@code w} its column of {@code routing} ({@code [rows, N]}) for
     * each row. The weight goes on the input, as peft puts it, so dropout sees the weighted rows.
     */
    private Tensor expertForward(Layer base, Tensor x, Tensor routing, boolean gelu) {
        if (!mergedAdapters().isEmpty())
            throw new PeftException("X-LoRA routing needs unmerged experts, but " + mergedAdapters() + " is merged");
        int[] shape = x.shape();
        int[] wShape = shape.clone();
        wShape[shape.length - 1] = routing.size(-1);
        Tensor w = F.reshape(routing, wShape);
        Tensor y = base.forward(x);
        List<String> names = experts.experts();
        float global = (float) experts.globalWeight();
        for (int n = 0; n < names.size(); n++) {
            String name = names.get(n);
            if (!adapterNames().contains(name)) continue;
            if (isDora(name)) throw new PeftException("X-LoRA does not support DoRA experts ('" + name + "')");
            Tensor weighted = F.mul(x, F.slice(w, shape.length - 1, n, n + 1));
            Dropout dropout = this.<AdapterDict>childAt("lora_dropout").at(name);
            Tensor dropped = dropout.p() == 0f || !dropout.isTraining() ? weighted : dropout.forward(weighted);
            Tensor h = lora(name, "lora_A").forward(dropped);
            y = F.addLinear(y, h, lora(name, "lora_B").weight().value(), (float) (scaling.get(name) * global));
        }
        return gelu ? F.gelu(y) : y;
    }

    /** Makes this layer, X-LoRA layer number {@code layer}, weight its experts by {@code s} while it routes; null: off. */
    @Override
    public void expertScalings(ExpertScalings s, int layer) {
        this.experts = s;
        this.expertLayer = layer;
    }

    /** Routes this layer's rows per adapter while {@code batch} is set; null: the active adapters for every row. */
    public void mixedBatch(MixedBatch batch) { this.mixed = batch; }

    private Tensor withoutBias(Tensor y) {
        Parameter b = baseBias();
        return b == null ? y : F.sub(y, b.value());
    }

    /** The base's product without its bias, {@code x W^T} (peft: {@code F.linear(x, transpose(weight, fan_in_fan_out))}). */
    private Tensor baseWithoutBias(Tensor x) {
        return switch (baseLayer()) {
            case Linear l -> F.linear(x, l.weight().value(), null);
            case Conv1D c -> F.affine(x, c.weight().value(), null);
            case QuantizedLinear q -> F.frozenLinear(x, q.kernel());
            case Linear16bit h -> F.frozenLinear(x, h.weight().kernel());
            default -> throw new IllegalStateException(baseLayer().getClass().getName());
        };
    }

    private Parameter baseBias() {
        return switch (baseLayer()) {
            case Linear l -> l.bias();
            case Conv1D c -> c.bias();
            case QuantizedLinear q -> q.bias();
            case Linear16bit h -> h.bias();
            default -> null;
        };
    }

    /**
     * The base weight {@code [out, in]}, detached: a Linear's own, a Conv1D's transposed, a quantized layer's
     * dequantized (this layer only, for DoRA's norm: peft's {@code dequantize_module_weight}).
     */
    private Tensor baseWeightOutIn() {
        return switch (baseLayer()) {
            case Linear l -> l.weight().value();
            case Conv1D c -> c.weight().value().transpose(0, 1).contiguous();
            case QuantizedLinear q -> q.decodedWeight();
            case Linear16bit h -> h.decodedWeight();
            default -> throw new IllegalStateException(baseLayer().getClass().getName());
        };
    }

    private Linear lora(String adapter, String which) { return this.<AdapterDict>childAt(which).at(adapter); }

    private boolean isDora(String adapter) { return this.<ParameterDict>childAt("lora_magnitude_vector").has(adapter); }

    private Parameter magnitude(String adapter) { return this.<ParameterDict>childAt("lora_magnitude_vector").at(adapter); }

    /** {@code B A} {@code [out, in]}, detached (peft's {@code get_lora_weight}). */
    private Tensor loraWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            return F.matmul(lora(adapter, "lora_B").weight().value(), lora(adapter, "lora_A").weight().value());
        }
    }

    @Override
    protected void removeTensors(String name) {
        for (String dict : List.of("lora_A", "lora_B", "lora_dropout")) this.<AdapterDict>childAt(dict).remove(name);
        if (isDora(name)) this.<ParameterDict>childAt("lora_magnitude_vector").remove(name);
        scaling.remove(name);
    }

    /** The scaling of one adapter (alpha/r, or alpha/sqrt(r) with rsLoRA). */
    @Override
    public double scaling(String adapter) { return scaling.get(adapter); }

    /** The rank of one adapter. */
    @Override
    public int rank(String adapter) { return lora(adapter, "lora_A").outFeatures(); }

    /** Whether adapter {@code adapter} is a DoRA adapter. */
    public boolean usesDora(String adapter) { return isDora(adapter); }

    /**
     * scaling · B A, {@code [out, in]} (PEFT's {@code get_delta_weight}), transposed to {@code [in, out]} for a Conv1D
     * base ({@code fan_in_fan_out}).
     */
    public Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor d = F.scale(loraWeight(adapter), (float) (double) scaling.get(adapter));
            return baseLayer() instanceof Conv1D ? d.transpose(0, 1).contiguous() : d;
        }
    }

    /**
     * Folds the active adapters into the base weight: plain LoRA adds its delta; DoRA (peft's
     * {@code DoraLinearVariant.merge_unsafe}) sets {@code W = (m / n) · (W + delta)} per output row, with n the row norms
     * of the base weight without any merged adapter plus this delta, kept to unmerge.
     */
    @Override
    protected void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor w = storedWeight(), delta = deltaWeight(name);
            if (!isDora(name)) {
                setStoredWeight(F.add(w, delta));
            } else {
                Tensor norm = Dora.rowNorms(unmergedWeightOutIn(), loraWeight(name), scaling.get(name));
                mergedNorms.put(name, norm);
                setStoredWeight(F.mul(F.add(w, delta), rowFactor(F.div(magnitude(name).value(), norm))));
            }
        }
    }

    /** Takes one merged adapter out again ({@code W / (m/n) - delta} for DoRA); peft's bnb unmerge requantizes after each. */
    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            setStoredWeight(undo(storedWeight(), name, true));
        }
    }

    /** {@code w} with adapter {@code name}'s merge undone; {@code forget} drops its cached DoRA norm. */
    private Tensor undo(Tensor w, String name, boolean forget) {
        Tensor delta = deltaWeight(name);
        if (!isDora(name)) return F.sub(w, delta);
        Tensor norm = forget ? mergedNorms.remove(name) : mergedNorms.get(name);
        return F.sub(F.div(w, rowFactor(F.div(magnitude(name).value(), norm))), delta);
    }

    /** The base weight {@code [out, in]} as the merged adapters found it (peft's {@code _unmerged_base_weight}). */
    private Tensor unmergedWeightOutIn() {
        Tensor w = storedWeight();
        List<String> merged = mergedAdapters();
        for (int i = merged.size() - 1; i >= 0; i--) w = undo(w, merged.get(i), false);
        return baseLayer() instanceof Conv1D ? w.transpose(0, 1).contiguous() : w;
    }

    /** A per-output-row factor {@code [out]} shaped to scale the stored weight: {@code [out, 1]}, or {@code [out]} for a Conv1D's columns. */
    private Tensor rowFactor(Tensor f) { return baseLayer() instanceof Conv1D ? f : F.reshape(f, out, 1); }

    /** The base weight in its stored layout (a Conv1D's [in, out], any other [out, in]), decoded for 16-bit and quantized bases. */
    private Tensor storedWeight() {
        return switch (baseLayer()) {
            case Linear l -> l.weight().value();
            case Conv1D c -> c.weight().value();
            case QuantizedLinear q -> q.decodedWeight();
            case Linear16bit h -> h.decodedWeight();
            default -> throw new PeftException("merging LoRA into a " + baseLayer().getClass().getSimpleName()
                    + " base is not supported");
        };
    }

    /**
     * Writes the base weight back, in its stored layout. fp32 bases are updated in place. A quantized base
     * (bitsandbytes' Linear4bit / 8-bit, as peft's bnb merge does it) gets this one layer's weight quantized afresh
     * in the same format, so a merge rounds to the quantization grid (and unmerging rounds again). A 16-bit base stays
     * 16-bit: the value rounded to nearest even, as torch's {@code w16 += delta32}.
     */
    private void setStoredWeight(Tensor w) {
        switch (baseLayer()) {
            case Linear l -> l.weight().set(w);
            case Conv1D c -> c.weight().set(w);
            case QuantizedLinear q -> replaceBase(q.requantized(w));
            case Linear16bit h -> replaceBase(h.withWeight(w));
            default -> throw new PeftException("merging LoRA into a " + baseLayer().getClass().getSimpleName()
                    + " base is not supported");
        }
    }

    private void replaceBase(Module next) {
        next.train(baseLayer().isTraining());
        replace("base_layer", next);
    }

    /**
     * {@code lora_A.<adapter>.weight}, {@code lora_B.<adapter>.weight} and, for DoRA, {@code lora_magnitude_vector.<adapter>}
     * (saved by peft as {@code lora_magnitude_vector}, no {@code .weight}).
     */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        out.put("lora_A." + adapter + ".weight", lora(adapter, "lora_A").weight());
        out.put("lora_B." + adapter + ".weight", lora(adapter, "lora_B").weight());
        if (isDora(adapter)) out.put("lora_magnitude_vector." + adapter, magnitude(adapter));
        return out;
    }
}
