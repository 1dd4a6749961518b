package cortado.peft.hra;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code hra.HRALinear} over a frozen {@link Linear}: {@code y = x (W R)ᵀ + b} with R the chain of
 * Householder reflections of the input space, {@code R = H_1 ... H_r}, {@code H_i = I - 2 û_i û_iᵀ},
 * {@code û_i = u_i / ||u_i||} (peft's {@code get_delta_weight}: {@code R ← R - 2 (R û_i) û_iᵀ} for i = 1..r), or with
 * apply_GS the Gram-Schmidt-orthonormalized U and {@code R = I - 2 U Uᵀ}. Children are PEFT's {@code base_layer} and
 * {@code hra_u.<adapter>} ({@code [in, r]}). Merging sets {@code W ← W R}; unmerging multiplies by the chain in reverse
 * order (each reflection is its own inverse; the Gram-Schmidt form is its own inverse too).
 */
public final class HRALayer extends BaseTunerLayer {
    private final int in;
    private final Map<String, Boolean> gramSchmidt = new LinkedHashMap<>();

    public HRALayer(Module base) {
        super(base);
        if (!(base instanceof Linear l))
            throw new PeftException("HRA cannot wrap " + base.getClass().getSimpleName() + " (peft's HRA takes Linear and"
                    + " Conv2d; Cortado's takes Linear; GPT-2's Conv1D is not one)");
        in = l.inFeatures();
        child("hra_u", new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (peft's {@code update_layer}), made active: with init_weights and an even r, r/2
     * kaiming-uniform columns each repeated twice ({@code reset_hra_parameters}: the chain starts at the identity);
     * otherwise (peft warns for an odd r) all r kaiming-uniform. torch's bound for {@code [in, k]} is {@code 1/sqrt(k)}.
     */
    public void addAdapter(String name, HRAConfig c, long seed) {
        checkNew(name);
        int r = c.r();
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] u = new float[in * r];
        if (c.initWeights() && r % 2 == 0) {
            double bound = 1.0 / Math.sqrt(r / 2.0);
            for (int i = 0; i < in; i++)
                for (int k = 0; k < r / 2; k++) {
                    float v = (float) rnd.nextDouble(-bound, bound);
                    u[i * r + 2 * k] = v;
                    u[i * r + 2 * k + 1] = v;
                }
        } else {
            double bound = 1.0 / Math.sqrt(r);
            for (int i = 0; i < u.length; i++) u[i] = (float) rnd.nextDouble(-bound, bound);
        }
        Backend be = weight().value().backend();
        this.<ParameterDict>childAt("hra_u").put(name, be.fromArray(u, in, r));
        gramSchmidt.put(name, c.applyGs());
        register(name);
    }

    private Parameter weight() { return ((Linear) baseLayer()).weight(); }

    private Tensor u(String adapter) { return this.<ParameterDict>childAt("hra_u").at(adapter).value(); }

    /** ||v|| of a column {@code [in, 1]} as {@code [1, 1]}, through exp(log(·)/2) (F has no sqrt). */
    private static Tensor norm(Tensor v) {
        return F.reshape(F.exp(F.scale(F.log(F.sum(F.mul(v, v))), 0.5f)), 1, 1);
    }

    /** R {@code [in, in]} (peft's {@code get_delta_weight}); {@code reverse}: the chain in reverse order (unmerge). */
    public Tensor rotation(String adapter, boolean reverse) {
        Tensor u = u(adapter);
        int r = u.size(1);
        Tensor eye = eye(u.backend(), in);
        if (gramSchmidt.get(adapter)) {
            Tensor[] w = new Tensor[r];
            for (int i = 0; i < r; i++) {
                Tensor ui = F.slice(u, 1, i, i + 1);
                for (int j = 0; j < i; j++) ui = F.sub(ui, F.mul(F.matmul(w[j], ui, true, false), w[j]));
                w[i] = F.div(ui, norm(ui));
            }
            Tensor wm = F.concat(1, w);
            return F.sub(eye, F.scale(F.matmul(wm, wm, false, true), 2f));
        }
        Tensor weight = eye;
        for (int k = 0; k < r; k++) {
            int i = reverse ? r - 1 - k : k;
            Tensor ui = F.slice(u, 1, i, i + 1);
            ui = F.div(ui, norm(ui));
            weight = F.sub(weight, F.scale(F.matmul(F.matmul(weight, ui), ui, false, true), 2f));
        }
        return weight;
    }

    private static Tensor eye(Backend be, int n) {
        float[] d = new float[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1f;
        return be.fromArray(d, n, n);
    }

    /** PEFT's {@code HRALinear.forward}: {@code F.linear(x, W R, bias)}. */
    @Override
    public Tensor forward(Tensor x) {
        Linear base = (Linear) baseLayer();
        java.util.List<String> names = pending();
        if (names.isEmpty()) return base.forward(x);
        Tensor w = base.weight().value();
        for (String name : names) w = F.matmul(w, rotation(name, false));
        return F.linear(x, w, base.bias() == null ? null : base.bias().value());
    }

    @Override
    protected void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.matmul(weight().value(), rotation(name, false)));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.matmul(weight().value(), rotation(name, true)));
        }
    }

    @Override
    protected void removeTensors(String name) {
        this.<ParameterDict>childAt("hra_u").remove(name);
        gramSchmidt.remove(name);
    }

    /** {@code hra_u.<adapter>}. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("hra_u." + adapter, this.<ParameterDict>childAt("hra_u").at(adapter));
        return m;
    }
}
