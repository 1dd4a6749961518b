package cortado.train;

import cortado.nn.Parameter;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", 2019), matching
 * {@code torch.optim.AdamW}: betas (0.9, 0.999), eps 1e-8, bias-corrected moments, and decay applied to the weights
 * directly ({@code p -= lr * wd * p}) rather than through the gradient.
 *
 * <p>As in GPT-2/nanoGPT practice, parameters of rank &lt; 2 (biases, LayerNorm/RMSNorm weights) get no weight decay:
 * shrinking a gain or an offset towards zero is not regularisation. The update itself is one fused kernel,
 * {@link cortado.tensor.Backend#adamwInPlace}.
 */
public final class AdamW implements ElementwiseOptimizer {
    static final String EXP_AVG = "exp_avg", EXP_AVG_SQ = "exp_avg_sq";

    public static final float DEFAULT_BETA1 = 0.9f, DEFAULT_BETA2 = 0.999f, DEFAULT_EPS = 1e-8f;

    private final Map<String, Parameter> params;
    private final float beta1, beta2, eps, weightDecay;
    private final ParamGroups groups;
    private final Map<String, Tensor> m = new LinkedHashMap<>();
    private final Map<String, Tensor> v = new LinkedHashMap<>();
    private int step;

    /** AdamW over the trainable parameters of {@code params} (keyed by name, as Module.namedParameters gives them). */
    public AdamW(Map<String, Parameter> params, float beta1, float beta2, float eps, float weightDecay) {
        this(params, beta1, beta2, eps, ParamGroups.uniform(weightDecay));
    }

    /** As above with per-parameter learning-rate scales and weight decays. */
    public AdamW(Map<String, Parameter> params, float beta1, float beta2, float eps, ParamGroups groups) {
        float weightDecay = groups.weightDecay();
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        this.params = new LinkedHashMap<>();
        params.forEach((name, p) -> { if (p.trainable()) this.params.put(name, p); });
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.groups = groups;
    }

    /** PyTorch's defaults with the given weight decay. */
    public AdamW(Map<String, Parameter> params, float weightDecay) {
        this(params, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, weightDecay);
    }

    /** Whether a parameter of this shape is decayed: matrices and embeddings yes, vectors (biases, norms) no. */
    public static boolean decays(int[] shape) { return shape.length >= 2; }

    /**
     * One update at learning rate {@code lr} from the gradients in {@code .grad()}. Parameters without a gradient are
     * left alone (as PyTorch skips {@code p.grad is None}). The step counter used for bias correction is shared.
     */
    public void step(float lr) { step(lr, 1f); }

    /** As {@link #step(float)} with every gradient read as grad * gradScale (a clip from {@link GradClip#measure}). */
    @Override
    public void step(float lr, float gradScale) {
        step++;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor p = e.getValue().value();
            Tensor g = p.grad();
            if (g == null) continue;
            if (!p.isContiguous())
                throw new IllegalStateException("parameter " + e.getKey() + " is not contiguous; AdamW updates in place");
            // Moments live where the parameter lives, and outlive the step that creates them: never from a step's arena.
            Tensor mt = m.computeIfAbsent(e.getKey(), k -> StepArena.outside(p::zerosLike));
            Tensor vt = v.computeIfAbsent(e.getKey(), k -> StepArena.outside(p::zerosLike));
            float wd = groups.weightDecay(e.getKey(), p.shape());
            p.backend().adamwInPlace(p, g.contiguous(), mt, vt, groups.lr(e.getKey(), lr), beta1, beta2, eps, wd, step,
                    gradScale);
        }
    }

    /** Drops every gradient (PyTorch's zero_grad(set_to_none=True)): the next backward starts from nothing. */
    @Override
    public void zeroGrad() {
        for (Parameter p : params.values()) p.value().setGrad(null);
    }

    /** The trainable parameters this optimizer updates, by name. */
    @Override
    public Map<String, Parameter> parameters() { return java.util.Collections.unmodifiableMap(params); }

    @Override
    public List<Parameter> parameterList() { return List.copyOf(params.values()); }

    /** Number of updates taken so far (the bias-correction step of the last update). */
    @Override
    public int stepCount() { return step; }

    @Override
    public String kind() { return OptimizerKind.ADAMW.cliName(); }

    /** Both moments, float32, all in memory. */
    @Override
    public long stateBytesResident() { return stateBytesTotal(); }

    @Override
    public long stateBytesTotal() {
        long b = 0;
        for (Tensor t : m.values()) b += 4 * t.numelLong();
        for (Tensor t : v.values()) b += 4 * t.numelLong();
        return b;
    }

    /** PyTorch's state names: {@code exp_avg.NAME} and {@code exp_avg_sq.NAME}, float32, with the step as metadata. */
    @Override
    public void saveState(java.nio.file.Path file) {
        cortado.quant.RawSafetensorsWriter w = new cortado.quant.RawSafetensorsWriter();
        addState(w);
        OptimizerStateFile.write(file, w, kind(), step);
    }

    void addState(cortado.quant.RawSafetensorsWriter w) {
        m.forEach((n, t) -> w.addF32("exp_avg." + n, AdamW8bit.longs(t.shape()), t.toArray()));
        v.forEach((n, t) -> w.addF32("exp_avg_sq." + n, AdamW8bit.longs(t.shape()), t.toArray()));
    }

    @Override
    public void loadState(java.nio.file.Path file) {
        try (OptimizerStateFile f = OptimizerStateFile.open(file, kind())) {
            java.util.Set<String> known = readState(f);
            String extra = f.unexpected(known);
            if (extra != null)
                throw new cortado.nn.io.CheckpointException(file + ": tensor " + extra + " matches no trainable parameter");
        }
    }

    /** Restores the moments of this optimizer's parameters found in {@code f} and its step; returns the names read. */
    java.util.Set<String> readState(OptimizerStateFile f) {
        Map<String, Tensor> fm = new LinkedHashMap<>(), fv = new LinkedHashMap<>();
        java.util.Set<String> known = new java.util.HashSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String n = e.getKey();
            if (!f.contains("exp_avg." + n) && !f.contains("exp_avg_sq." + n)) continue;   // never updated
            int[] shape = e.getValue().shape();
            cortado.tensor.Backend b = e.getValue().value().backend();
            fm.put(n, b.fromArray(f.floats("exp_avg." + n, shape), shape));
            fv.put(n, b.fromArray(f.floats("exp_avg_sq." + n, shape), shape));
            known.add("exp_avg." + n);
            known.add("exp_avg_sq." + n);
        }
        restore(f.step(), fm, fv);
        return known;
    }

    public float weightDecay() { return weightDecay; }

    @Override public List<String> stateSlots() { return List.of(EXP_AVG, EXP_AVG_SQ); }

    @Override
    public Tensor state(String slot, String name) {
        return switch (slot) {
            case EXP_AVG -> m.get(name);
            case EXP_AVG_SQ -> v.get(name);
            default -> throw new IllegalArgumentException("AdamW has no state slot " + slot);
        };
    }

    @Override
    public void restoreState(int step, Map<String, float[]> state) {
        Map<String, Tensor> fm = new LinkedHashMap<>(), fv = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : state.entrySet()) {
            String key = e.getKey();
            boolean first = key.startsWith(EXP_AVG + "."), second = key.startsWith(EXP_AVG_SQ + ".");
            if (!first && !second) throw new IllegalArgumentException("AdamW has no state " + key);
            String name = key.substring(key.indexOf('.') + 1);
            Parameter p = params.get(name);
            if (p == null) throw new IllegalArgumentException("state " + key + " of an unknown parameter");
            (first ? fm : fv).put(name, p.value().backend().fromArray(e.getValue(), p.shape()));
        }
        restore(step, fm, fv);
    }

    // ---- state for checkpoints ----

    /** First moments by parameter name (only parameters that have been updated). */
    public Map<String, Tensor> firstMoments() { return java.util.Collections.unmodifiableMap(m); }

    /** Second moments by parameter name. */
    public Map<String, Tensor> secondMoments() { return java.util.Collections.unmodifiableMap(v); }

    /** Restores the state saved by a checkpoint; moment shapes must match their parameters. */
    public void restore(int step, Map<String, Tensor> firstMoments, Map<String, Tensor> secondMoments) {
        if (step < 0) throw new IllegalArgumentException("negative optimizer step " + step);
        m.clear();
        v.clear();
        restoreInto(m, firstMoments, "first");
        restoreInto(v, secondMoments, "second");
        this.step = step;
    }

    private void restoreInto(Map<String, Tensor> dst, Map<String, Tensor> src, String which) {
        for (Map.Entry<String, Tensor> e : src.entrySet()) {
            Parameter p = params.get(e.getKey());
            if (p == null)
                throw new IllegalArgumentException(which + " moment for unknown parameter " + e.getKey());
            if (!e.getValue().sameShape(p.value()))
                throw new IllegalArgumentException(which + " moment of " + e.getKey() + " has shape "
                        + java.util.Arrays.toString(e.getValue().shape()) + ", parameter has "
                        + java.util.Arrays.toString(p.shape()));
            // Our own copy (it is updated in place), on the parameter's backend.
            dst.put(e.getKey(), p.value().backend().fromArray(e.getValue().toArray(), p.shape()));
        }
    }
}
