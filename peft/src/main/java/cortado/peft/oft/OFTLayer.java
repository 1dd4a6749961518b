package cortado.peft.oft;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.AdapterDict;
import cortado.peft.BaseTunerLayer;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import cortado.tensor.linalg.BatchedInverse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PEFT's {@code oft.Linear} over a frozen {@link Linear}: {@code y = base(R_k ... R_1 x)}, each active adapter's
 * block-diagonal rotation applied to the input in turn ({@link OFTRotation}). Children are PEFT's {@code base_layer}
 * and {@code oft_R.<adapter>} (its parameter {@code weight}). Merging sets {@code W ← W R^T} (peft:
 * {@code mm(oft_mat, W^T)^T}); unmerging multiplies by the inverse ({@code torch.linalg.inv}), since a Neumann-series
 * R is only nearly orthogonal. peft's OFT takes torch's Linear, Conv2d and Embedding, not GPT-2's Conv1D.
 */
public final class OFTLayer extends BaseTunerLayer {
    private final int in;

    public OFTLayer(Module base) {
        super(base);
        if (!(base instanceof Linear l))
            throw new PeftException("OFT cannot wrap " + base.getClass().getSimpleName() + " (Cortado's OFT wraps"
                    + " Linear layers; peft's takes Linear, Conv2d and Embedding, not GPT-2's Conv1D)");
        in = l.inFeatures();
        child("oft_R", new AdapterDict());
    }

    /**
     * Adds adapter {@code name} (PEFT's {@code update_layer}), made active: blocks and block size from r or
     * oft_block_size, an invalid one moved to the nearest divisor of in_features ({@code adjust_oft_parameters});
     * the rotation parameters zero (R = I) with init_weights, else N(0, 0.1²).
     */
    public void addAdapter(String name, OFTConfig c, long seed) {
        checkNew(name);
        int r = c.r(), b = c.oftBlockSize();
        if (r == 0) {
            if (in % b != 0 || b > in) b = adjust(in, b);
            r = in / b;
        } else {
            if (in % r != 0 || r > in) r = adjust(in, r);
            b = in / r;
        }
        OFTRotation rot = new OFTRotation(r, b, in, c, ((Linear) baseLayer()).weight().value().backend());
        if (!c.initWeights()) Init.normal(rot.weight().value(), 0.1f, seed, 0);
        this.<AdapterDict>childAt("oft_R").put(name, rot);
        register(name);
    }

    /** PEFT's {@code adjust_oft_parameters}: the divisor of {@code in} nearest {@code p} (the lower one on a tie). */
    static int adjust(int in, int p) {
        if (p >= in) return in;
        int higher = p;
        while (higher <= in && in % higher != 0) higher++;
        int lower = p;
        while (lower > 1 && in % lower != 0) lower--;
        return (p - lower) <= (higher - p) ? lower : higher;
    }

    public OFTRotation rotation(String adapter) { return this.<AdapterDict>childAt("oft_R").at(adapter); }

    @Override
    public Tensor forward(Tensor x) {
        Layer base = childAt("base_layer");
        for (String name : pending()) x = rotation(name).rotate(x);
        return base.forward(x);
    }

    private Parameter weight() { return ((Linear) baseLayer()).weight(); }

    @Override
    protected void mergeAdapter(String name) {
        Tensor rbd = tensor(rotation(name).blockDiagonal());
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.matmul(weight().value(), rbd, false, true));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        Tensor inverse = tensor(invertBlocks(rotation(name).blockDiagonal(), in, rotation(name).blockSize()));
        try (NoGrad ng = NoGrad.enter()) {
            weight().set(F.matmul(weight().value(), inverse, false, true));
        }
    }

    private Tensor tensor(double[] m) {
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) f[i] = (float) m[i];
        return weight().value().backend().fromArray(f, in, in);
    }

    /** The inverse of a block-diagonal {@code [n, n]} matrix, block by block. */
    static double[] invertBlocks(double[] m, int n, int b) {
        int blocks = n / b;
        double[] packed = new double[blocks * b * b];
        for (int k = 0; k < blocks; k++)
            for (int i = 0; i < b; i++) System.arraycopy(m, (k * b + i) * n + k * b, packed, (k * b + i) * b, b);
        double[] inv;
        try {
            inv = BatchedInverse.invert(packed, blocks, b);
        } catch (IllegalArgumentException e) {
            throw new PeftException("cannot unmerge OFT: a rotation block is singular");
        }
        double[] out = new double[n * n];
        for (int k = 0; k < blocks; k++)
            for (int i = 0; i < b; i++) System.arraycopy(inv, (k * b + i) * b, out, (k * b + i) * n + k * b, b);
        return out;
    }

    @Override
    protected void removeTensors(String name) { this.<AdapterDict>childAt("oft_R").remove(name); }

    /** {@code oft_R.<adapter>.weight}. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("oft_R." + adapter + ".weight", rotation(adapter).weight());
        return m;
    }
}
