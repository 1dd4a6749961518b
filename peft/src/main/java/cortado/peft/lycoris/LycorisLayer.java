package cortado.peft.lycoris;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.BaseTunerLayer;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code LycorisLayer} (peft/tuners/lycoris_utils.py) over a frozen {@link Linear}, the common part of LoHa and
 * LoKr: each adapter is a weight delta {@code ΔW [out, in]} built from its factors, and the forward pass is
 * {@code y = base(x) + Σ_active x ΔW^T} ({@code F.linear(input, delta_weight)}). In training, module dropout skips an
 * adapter with probability {@code module_dropout} and rank dropout zeroes whole rows of ΔW with probability
 * {@code rank_dropout}, the survivors divided by their mean where the method asks for it. Merging adds ΔW to the
 * base weight, unmerging subtracts it. peft's LyCORIS layers take torch's Linear and Conv layers only, so GPT-2's
 * Conv1D (and a quantized base) is refused as peft refuses it.
 */
public abstract class LycorisLayer extends BaseTunerLayer {
    /** One adapter's scalars, peft's {@code r}, {@code alpha}, {@code scaling = alpha / r} and the dropouts. */
    public record Settings(int r, double alpha, double rankDropout, double moduleDropout, boolean rankDropoutScale) {
        public Settings {
            if (r <= 0) throw new PeftException("`r` should be a positive integer value but the value passed is " + r);
        }

        public double scaling() { return alpha / r; }
    }

    protected final int in, out;
    private final Map<String, Settings> settings = new LinkedHashMap<>();
    private final SplittableRandom dropoutRandom;

    protected LycorisLayer(Module base, String method, long seed) {
        super(base);
        if (!(base instanceof Linear l))
            throw new PeftException(method + " cannot wrap " + base.getClass().getSimpleName() + " (peft's " + method
                    + " layers take torch's Linear and Conv layers; Cortado's take Linear; GPT-2's Conv1D is not one)");
        in = l.inFeatures();
        out = l.outFeatures();
        dropoutRandom = new SplittableRandom(seed);
    }

    /** Records adapter {@code name}'s scalars, once its factors are in place, and makes it active. */
    protected final void register(String name, Settings s) {
        settings.put(name, s);
        register(name);
    }

    public final Settings settings(String adapter) { return settings.get(adapter); }

    /** {@code ΔW [out, in]} of one adapter with its scaling, through autograd ops (gradients reach the factors). */
    protected abstract Tensor delta(String adapter);

    /** The factors' parameters of one adapter, by their names relative to this layer ({@code hada_w1_a.default}). */
    @Override
    public abstract Map<String, Parameter> adapterParameters(String adapter);

    /** peft's {@code LycorisLayer.forward} with {@code Linear._get_delta_activations}. */
    @Override
    public final Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        Tensor y = base.forward(x);
        for (String name : pending()) {
            Settings s = settings.get(name);
            // peft: applied unless training and torch.rand(1) <= module_dropout
            if (isTraining() && s.moduleDropout() > 0 && dropoutRandom.nextDouble() <= s.moduleDropout()) continue;
            Tensor dw = delta(name);
            if (isTraining() && s.rankDropout() > 0) dw = F.mul(dw, rowMask(s));
            y = F.addLinear(y, x, dw, 1f);
        }
        return y;
    }

    /** peft's rank dropout: {@code (rand(out) > p)} per row of ΔW, divided by its mean when {@code rankDropoutScale}. */
    private Tensor rowMask(Settings s) {
        float[] keep = new float[out];
        int kept = 0;
        for (int i = 0; i < out; i++) if (dropoutRandom.nextDouble() > s.rankDropout()) { keep[i] = 1f; kept++; }
        if (s.rankDropoutScale() && kept > 0)
            for (int i = 0; i < out; i++) keep[i] *= (float) out / kept;
        return weight().value().backend().fromArray(keep, out, 1);
    }

    private Parameter weight() { return ((Linear) baseLayer()).weight(); }

    /** {@code ΔW}, detached (peft's {@code get_delta_weight}). */
    public final Tensor deltaWeight(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            return delta(adapter);
        }
    }

    @Override
    protected final void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.add(weight().value(), delta(name)));
        }
    }

    @Override
    protected final void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.sub(weight().value(), delta(name)));
        }
    }

    @Override
    protected void removeTensors(String name) { settings.remove(name); }

    /** torch's {@code kaiming_uniform_(t, a=sqrt(5))} on a {@code [rows, fanIn]} factor: uniform in ±1/sqrt(fanIn). */
    protected static float[] kaimingUniform(int rows, int fanIn, SplittableRandom rnd) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] v = new float[rows * fanIn];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-bound, bound);
        return v;
    }
}
