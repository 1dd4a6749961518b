package cortado.peft.adalora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Dropout;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.AdapterDict;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code adalora.SVDLinear} over a frozen {@link Linear} or GPT-2 {@link Conv1D}: the update in SVD form,
 * {@code y = base(x) + (dropout(x) (A ⊙ E)^T B^T) · scaling / (ranknum + 1e-5)} with A {@code [r, in]} the right
 * singular vectors, E {@code [r, 1]} the singular values and B {@code [out, r]} the left ones (Zhang et al. 2023,
 * eq. 3). ranknum is the rank the adapter was created at (init_r; an adapter loaded at a smaller, allocated rank keeps
 * it, as peft's {@code resize_modules_by_rank_pattern} does, so the scaling is unchanged); masking a triplet zeroes
 * its E. Children are PEFT's: {@code base_layer}, {@code lora_dropout.<adapter>}, {@code lora_A.<adapter>},
 * {@code lora_B.<adapter>}, {@code lora_E.<adapter>} and the frozen {@code ranknum.<adapter>} ({@code [1]}, never
 * saved). Merging adds {@code B (A ⊙ E) · scaling / (ranknum + 1e-5)}, transposed on a Conv1D.
 */
public final class SvdLayer extends BaseTunerLayer {
    private final int in, out;
    private final Map<String, Float> scaling = new LinkedHashMap<>(), ranknum = new LinkedHashMap<>();

    public SvdLayer(Module base) {
        super(base);
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else throw new PeftException("AdaLoRA cannot wrap " + base.getClass().getSimpleName() + " (it wraps Linear and"
                    + " Conv1D layers)");
        child("lora_dropout", new AdapterDict());
        child("lora_A", new ParameterDict());
        child("lora_B", new ParameterDict());
        child("lora_E", new ParameterDict());
        child("ranknum", new ParameterDict());
    }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    /**
     * Adds adapter {@code name} at rank {@code r} (peft's {@code update_layer}), made active: with init_lora_weights
     * E zero and A, B N(0, 0.02²) ({@code reset_lora_parameters}); without, A, E and B standard normal as torch.randn
     * leaves them. {@code ranknum} is the rank the scaling divides by (init_r).
     */
    public void addAdapter(String name, int r, int ranknum, AdaLoraConfig c, long seed) {
        checkNew(name);
        // r == 0 is allowed, as in peft (#1539): every triplet of this layer was pruned; its tensors are empty
        if (r < 0) throw new PeftException("`r` should be a positive integer or 0, but the value passed is " + r);
        Backend be = weight().value().backend();
        Tensor a = be.zeros(r, in), e = be.zeros(r, 1), b = be.zeros(out, r);
        float std = c.initLoraWeights() ? 0.02f : 1f;
        Init.normal(a, std, seed, 0);
        Init.normal(b, std, seed, 1);
        if (!c.initLoraWeights()) Init.normal(e, 1f, seed, 2);
        this.<AdapterDict>childAt("lora_dropout").put(name, new Dropout((float) c.loraDropout()));
        dict("lora_A").put(name, a);
        dict("lora_B").put(name, b);
        dict("lora_E").put(name, e);
        Tensor rn = be.zeros(1);
        Init.constant(rn, ranknum);
        dict("ranknum").put(name, rn).setTrainable(false);
        scaling.put(name, (float) c.scaling());
        this.ranknum.put(name, (float) ranknum);
        register(name);
    }

    private ParameterDict dict(String f) { return childAt(f); }

    /** The adapter's current rank (rows of A). */
    public int rank(String adapter) { return dict("lora_A").at(adapter).shape()[0]; }

    /** {@code scaling / (ranknum + 1e-5)}, the factor the SVD product is multiplied by. */
    private float factor(String adapter) {
        return scaling.get(adapter) / (ranknum.get(adapter) + 1e-5f);
    }

    /** {@code A ⊙ E} {@code [r, in]}: each right singular vector scaled by its singular value. */
    private Tensor scaledA(String adapter) {
        return F.mul(dict("lora_A").at(adapter).value(), dict("lora_E").at(adapter).value());
    }

    /** PEFT's {@code SVDLinear.forward}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        Tensor y = base.forward(x);
        for (String name : pending()) {
            if (rank(name) == 0) continue;   // a pruned layer adds nothing
            Dropout dropout = this.<AdapterDict>childAt("lora_dropout").at(name);
            Tensor dx = dropout.p() == 0f ? x : dropout.forward(x);
            Tensor h = F.linear(F.linear(dx, scaledA(name), null), dict("lora_B").at(name).value(), null);
            y = F.add(y, F.scale(h, factor(name)));
        }
        return y;
    }

    /** {@code B (A ⊙ E) · scaling / (ranknum + 1e-5)} {@code [out, in]}, {@code [in, out]} on a Conv1D (get_delta_weight). */
    public Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor d = F.scale(F.matmul(dict("lora_B").at(adapter).value(), scaledA(adapter)), factor(adapter));
            return baseLayer() instanceof Conv1D ? d.transpose(0, 1).contiguous() : d;
        }
    }

    private Parameter weight() {
        return baseLayer() instanceof Conv1D c ? c.weight() : ((Linear) baseLayer()).weight();
    }

    @Override
    protected void mergeAdapter(String name) {
        if (rank(name) == 0) return;
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.add(weight().value(), deltaWeight(name)));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        if (rank(name) == 0) return;
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.sub(weight().value(), deltaWeight(name)));
        }
    }

    @Override
    protected void removeTensors(String name) {
        this.<AdapterDict>childAt("lora_dropout").remove(name);
        for (String f : new String[] {"lora_A", "lora_B", "lora_E", "ranknum"}) dict(f).remove(name);
        scaling.remove(name);
        ranknum.remove(name);
    }

    /** {@code lora_A.<adapter>}, {@code lora_B.<adapter>} and {@code lora_E.<adapter>} (ranknum does not train). */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("lora_A." + adapter, dict("lora_A").at(adapter));
        m.put("lora_B." + adapter, dict("lora_B").at(adapter));
        m.put("lora_E." + adapter, dict("lora_E").at(adapter));
        return m;
    }
}
