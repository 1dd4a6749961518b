package cortado.peft.vera;

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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code vera.Linear} over a frozen {@link Linear} or GPT-2 {@link Conv1D}:
 * {@code y = base(x) + λ_b ⊙ ((λ_d ⊙ (dropout(x) A_s^T)) B_s^T)}, with {@code A_s = vera_A[:, :in]} and
 * {@code B_s = vera_B[:out, :]} the shared projection sliced to this layer. Children are PEFT's {@code base_layer},
 * {@code vera_dropout.<adapter>}, {@code vera_lambda_b.<adapter>} ({@code [out]}) and {@code vera_lambda_d.<adapter>}
 * ({@code [r]}); the projection is shared, held by reference ({@link VeraProjection}). Merging adds
 * {@code (λ_b B_s)(λ_d A_s)}, transposed on a Conv1D ({@code fan_in_fan_out}).
 */
public final class VeraLayer extends BaseTunerLayer {
    private final int in, out;
    private final Map<String, VeraProjection> projections = new HashMap<>();

    public VeraLayer(Module base) {
        super(base);
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else throw new PeftException("VeRA cannot wrap " + base.getClass().getSimpleName() + " (it wraps Linear and"
                    + " Conv1D layers)");
        child("vera_dropout", new AdapterDict());
        child("vera_lambda_b", new ParameterDict());
        child("vera_lambda_d", new ParameterDict());
    }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    /**
     * Adds adapter {@code name} over the shared {@code projection} (PEFT's {@code update_layer}), made active: with
     * init_weights, λ_b zero and λ_d = d_initial (a fresh adapter changes nothing); without, λ_b ones and λ_d
     * standard normal, as peft's constructors leave them.
     */
    public void addAdapter(String name, VeraProjection projection, VeraConfig c, long seed) {
        checkNew(name);
        int r = c.r();
        if (projection.a().shape()[1] < in || projection.b().shape()[0] < out || projection.a().shape()[0] < r)
            throw new PeftException("vera_A/vera_B " + java.util.Arrays.toString(projection.a().shape()) + "/"
                    + java.util.Arrays.toString(projection.b().shape()) + " are too small for a [" + out + ", " + in
                    + "] layer at r " + r);
        Backend be = projection.a().value().backend();
        Tensor lb = be.zeros(out), ld = be.zeros(r);
        if (c.initWeights()) Init.constant(ld, (float) c.dInitial());
        else { Init.constant(lb, 1f); Init.normal(ld, 1f, seed, 0); }
        this.<AdapterDict>childAt("vera_dropout").put(name, new Dropout((float) c.veraDropout()));
        lambdaB().put(name, lb);
        lambdaD().put(name, ld);
        projections.put(name, projection);
        register(name);
    }

    private ParameterDict lambdaB() { return childAt("vera_lambda_b"); }

    private ParameterDict lambdaD() { return childAt("vera_lambda_d"); }

    /** The projection adapter {@code name} uses (shared with every other layer of that adapter). */
    public VeraProjection projection(String adapter) { return projections.get(adapter); }

    /** {@code vera_A[:r, :in]}, {@code [r, in]}. */
    private Tensor slicedA(String adapter) {
        Tensor a = projections.get(adapter).a().value();
        int r = lambdaD().at(adapter).shape()[0];
        return a.size(0) == r && a.size(1) == in ? a : F.contiguous(F.slice(F.slice(a, 0, 0, r), 1, 0, in));
    }

    /** {@code vera_B[:out, :r]}, {@code [out, r]}. */
    private Tensor slicedB(String adapter) {
        Tensor b = projections.get(adapter).b().value();
        int r = lambdaD().at(adapter).shape()[0];
        return b.size(0) == out && b.size(1) == r ? b : F.contiguous(F.slice(F.slice(b, 0, 0, out), 1, 0, r));
    }

    /** PEFT's {@code vera.Linear.forward}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        Tensor y = base.forward(x);
        for (String name : pending()) {
            Dropout dropout = this.<AdapterDict>childAt("vera_dropout").at(name);
            Tensor dx = dropout.p() == 0f ? x : dropout.forward(x);
            Tensor h = F.mul(F.linear(dx, slicedA(name), null), lambdaD().at(name).value());
            y = F.add(y, F.mul(F.linear(h, slicedB(name), null), lambdaB().at(name).value()));
        }
        return y;
    }

    /** {@code (λ_b B_s)(λ_d A_s)} {@code [out, in]}, transposed to {@code [in, out]} on a Conv1D (PEFT's get_delta_weight). */
    public Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            int r = lambdaD().at(adapter).shape()[0];
            Tensor lb = F.reshape(lambdaB().at(adapter).value(), out, 1), ld = F.reshape(lambdaD().at(adapter).value(), r, 1);
            Tensor d = F.matmul(F.mul(lb, slicedB(adapter)), F.mul(ld, slicedA(adapter)));
            return baseLayer() instanceof Conv1D ? d.transpose(0, 1).contiguous() : d;
        }
    }

    private Parameter weight() {
        return baseLayer() instanceof Conv1D c ? c.weight() : ((Linear) baseLayer()).weight();
    }

    @Override
    protected void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.add(weight().value(), deltaWeight(name)));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.sub(weight().value(), deltaWeight(name)));
        }
    }

    @Override
    protected void removeTensors(String name) {
        this.<AdapterDict>childAt("vera_dropout").remove(name);
        lambdaB().remove(name);
        lambdaD().remove(name);
        projections.remove(name);
    }

    /** {@code vera_lambda_b.<adapter>} and {@code vera_lambda_d.<adapter>} (the projection is not trained). */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("vera_lambda_b." + adapter, lambdaB().at(adapter));
        m.put("vera_lambda_d." + adapter, lambdaD().at(adapter));
        return m;
    }
}
