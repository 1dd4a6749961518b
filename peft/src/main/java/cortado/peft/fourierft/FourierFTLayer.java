package cortado.peft.fourierft;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code fourierft.FourierFTLinear} over a frozen {@link Linear} or GPT-2 {@link Conv1D}:
 * {@code y = base(x) + x ΔWᵀ}, {@code ΔW = Re(ifft2(S)) * scaling} {@code [out, in]} (for either layout, as peft's
 * forward uses {@code F.linear(x, delta_w)}), S zero but for the trained {@code fourierft_spectrum.<adapter>}
 * ({@code [n_frequency]}) at positions {@code p = randperm(out * in)[:n_frequency]}, row {@code p / in}, column
 * {@code p % in}. The positions are not saved (peft's {@code indices} are no buffer): they are redrawn from the seed.
 * Merging adds ΔW, transposed on a Conv1D ({@code fan_in_fan_out}).
 */
public final class FourierFTLayer extends BaseTunerLayer {
    private final int in, out;
    private final Map<String, int[][]> indices = new HashMap<>();
    private final Map<String, Double> scaling = new HashMap<>();

    public FourierFTLayer(Module base) {
        super(base);
        if (base instanceof Linear l) { in = l.inFeatures(); out = l.outFeatures(); }
        else if (base instanceof Conv1D c) { in = c.inFeatures(); out = c.outFeatures(); }
        else throw new PeftException("FourierFT cannot wrap " + base.getClass().getSimpleName() + " (it wraps Linear"
                    + " and Conv1D layers)");
        child("fourierft_spectrum", new ParameterDict());
    }

    /**
     * Adds adapter {@code name} with {@code nFrequency} coefficients (peft's {@code update_layer}), made active: the
     * spectrum standard normal, or zeros with init_weights.
     */
    public void addAdapter(String name, int nFrequency, FourierFTConfig c, long seed) {
        checkNew(name);
        if (nFrequency <= 0)
            throw new PeftException("`n_frequency` should be a positive integer value but the value passed is " + nFrequency);
        if ((long) nFrequency > (long) in * out)
            throw new PeftException("`n_frequency` should be less than or equal to the product of the input and output"
                    + " dimensions but the value passed is " + nFrequency + " and the product is " + (long) in * out);
        int[] perm = TorchRandperm.randperm(Math.multiplyExact(out, in), c.randomLocSeed());
        int[] rows = new int[nFrequency], cols = new int[nFrequency];
        for (int j = 0; j < nFrequency; j++) { rows[j] = perm[j] / in; cols[j] = perm[j] % in; }
        Tensor s = weight().value().backend().zeros(nFrequency);
        if (!c.initWeights()) Init.normal(s, 1f, seed, 0);
        spectra().put(name, s);
        indices.put(name, new int[][] {rows, cols});
        scaling.put(name, c.scaling());
        register(name);
    }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    /** The spectral positions of adapter {@code name}: {@code {rows, cols}}, peft's {@code indices}. */
    public int[][] indices(String adapter) { return new int[][] {indices.get(adapter)[0].clone(), indices.get(adapter)[1].clone()}; }

    private ParameterDict spectra() { return childAt("fourierft_spectrum"); }

    private Parameter weight() {
        return baseLayer() instanceof Conv1D c ? c.weight() : ((Linear) baseLayer()).weight();
    }

    /** ΔW {@code [out, in]} (peft's {@code get_delta_weight}), differentiable w.r.t. the spectrum. */
    public Tensor deltaWeight(String adapter) {
        int[][] idx = indices.get(adapter);
        Tensor d = F.sparseIfft2Real(spectra().at(adapter).value(), idx[0], idx[1], out, in);
        return F.scale(d, (float) (double) scaling.get(adapter));
    }

    /** PEFT's {@code FourierFTLinear.forward}. */
    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        Tensor y = base.forward(x);
        for (String name : pending()) y = F.add(y, F.linear(x, deltaWeight(name), null));
        return y;
    }

    /** ΔW in the base weight's layout: transposed to {@code [in, out]} on a Conv1D. */
    private Tensor deltaInLayout(String name) {
        Tensor d = deltaWeight(name);
        return baseLayer() instanceof Conv1D ? d.transpose(0, 1).contiguous() : d;
    }

    @Override
    protected void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.add(weight().value(), deltaInLayout(name)));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.sub(weight().value(), deltaInLayout(name)));
        }
    }

    @Override
    protected void removeTensors(String name) {
        spectra().remove(name);
        indices.remove(name);
        scaling.remove(name);
    }

    /** {@code fourierft_spectrum.<adapter>}. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("fourierft_spectrum." + adapter, spectra().at(adapter));
        return m;
    }
}
