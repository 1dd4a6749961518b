package cortado.peft.boft;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.BaseTunerLayer;
import cortado.peft.ParameterDict;
import cortado.peft.PeftException;
import cortado.peft.oft.OFTRotation;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code boft.Linear} over a frozen {@link Linear}: {@code y = s * (x M W^T) + b}, with {@code M = M_{N-1} ...
 * M_0} the butterfly product of N = boft_n_butterfly_factor factors {@code M_i = P_i BD_i P_i^T}: {@code BD_i} the
 * block-diagonal matrix of the exact Cayley rotations {@code (I - S)(I + S)^-1}, {@code S = (R - R^T) / 2}, of
 * {@code boft_R[i]}, and {@code P_i} peft's {@code perm2mat(block_butterfly_perm(...))}, whose permutation is a
 * reshape-and-swap (within chunks of {@code 2^i} blocks, the half-blocks at even positions before the odd ones), so
 * the product is applied to x factor by factor and never built. Children are peft's {@code base_layer},
 * {@code boft_R.<adapter>} {@code [N, blocks, b, b]} and {@code boft_s.<adapter>} {@code [out, 1]}. Merging sets
 * {@code W <- (W M^T) * s} (peft: {@code mm(M, W^T)^T * s}); unmerging {@code W <- (W M) / s}, as peft does (an exact
 * Cayley rotation is orthogonal). peft's BOFT takes torch's Linear and Conv2d, not GPT-2's Conv1D.
 */
public final class BOFTLayer extends BaseTunerLayer {
    private record Shape(int factors, int blocks, int blockSize, double dropout) {}

    private final int in, out;
    private final Map<String, Shape> shapes = new LinkedHashMap<>();
    private final Map<String, SplittableRandom> dropoutRandom = new LinkedHashMap<>();

    public BOFTLayer(Module base) {
        super(base);
        if (!(base instanceof Linear l))
            throw new PeftException("BOFT cannot wrap " + base.getClass().getSimpleName() + " (peft's BOFT takes Linear"
                    + " and Conv2d; Cortado's takes Linear; GPT-2's Conv1D is not one)");
        in = l.inFeatures();
        out = l.outFeatures();
        child("boft_R", new ParameterDict());
        child("boft_s", new ParameterDict());
    }

    /**
     * Adds adapter {@code name} (peft's {@code update_layer}, its checks and messages), made active: boft_R zero and
     * boft_s one with init_weights, else N(0, 0.1²) and N(1, 0.1²).
     */
    public void addAdapter(String name, BOFTConfig c, long seed) {
        checkNew(name);
        int f = c.boftNButterflyFactor() - 1;   // peft's paper notation
        int size = c.boftBlockSize(), num = c.boftBlockNum();
        if (size == 0) {
            if (in % num != 0)
                throw new PeftException("in_features (" + in + ") must be divisible by boft_block_num (" + num + ")!");
            if (f != 0) {
                if (f > 31 - Integer.numberOfLeadingZeros(num))
                    throw new PeftException("Invalid combination of boft_n_butterfly_factor (" + (f + 1)
                            + ") and boft_block_num (" + num + ")!");
                if (num % (1 << f) != 0)
                    throw new PeftException("boft_block_num (" + num + ") must be a multiple of 2 raised to the power"
                            + " of boft_n_butterfly_factor (" + (f + 1) + ")!");
            }
            size = in / num;
        } else {
            if (in % size != 0)
                throw new PeftException("in_features (" + in + ") must be divisible by boft_block_size (" + size + ")!");
            if (f != 0 && (f >= 31 || in < (long) size << f || in % (size << f) != 0))
                throw new PeftException("Invalid combination of in_features (" + in + "), boft_n_butterfly_factor ("
                        + (f + 1) + ") and boft_block_size (" + size + ")!");
            num = in / size;
        }
        if (f != 0) {
            if (num % 2 != 0) throw new PeftException("boft_block_num (" + num + ") must be an even number!");
            if (size % 2 != 0) throw new PeftException("boft_block_size (" + size + ") must be an even number!");
        }
        Backend be = weight().value().backend();
        Tensor r = be.zeros(f + 1, num, size, size), s = be.zeros(out, 1);
        if (c.initWeights()) s = be.fromArray(filled(out, 1f), out, 1);
        else {
            Init.normal(r, 0.1f, seed, 0);
            Init.normal(s, 0.1f, seed, 1);
            s = F.addScalar(s, 1f);
        }
        this.<ParameterDict>childAt("boft_R").put(name, r);
        this.<ParameterDict>childAt("boft_s").put(name, s);
        shapes.put(name, new Shape(f + 1, num, size, c.boftDropout()));
        dropoutRandom.put(name, new SplittableRandom(seed ^ 0x5deece66dL));
        register(name);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private Parameter weight() { return ((Linear) baseLayer()).weight(); }

    private Parameter r(String adapter) { return this.<ParameterDict>childAt("boft_R").at(adapter); }

    private Parameter s(String adapter) { return this.<ParameterDict>childAt("boft_s").at(adapter); }

    /**
     * The Cayley rotations {@code [N, blocks, b, b]} of boft_R (peft's {@code cayley_batch}), with the multiplicative
     * dropout in training (peft's {@code MultiplicativeDropoutLayer}: in one random factor, int(p * blocks) random
     * blocks replaced by the identity).
     */
    public Tensor rotations(String adapter, boolean dropout) {
        Shape sh = shapes.get(adapter);
        int b = sh.blockSize(), rows = sh.factors() * sh.blocks();
        Backend be = weight().value().backend();
        Tensor eye = be.fromArray(eye(b), 1, b, b);
        Tensor raw = F.reshape(r(adapter).value(), rows, b, b);
        Tensor skew = F.scale(F.sub(raw, F.transpose(raw, 1, 2)), 0.5f);
        Tensor q = F.reshape(F.matmul(F.sub(eye, skew), F.inverse(F.add(eye, skew))), sh.factors(), sh.blocks(), b, b);
        int drop = (int) (sh.dropout() * sh.blocks());
        if (dropout && isTraining() && drop > 0) {
            SplittableRandom rnd = dropoutRandom.get(adapter);
            int pick = rnd.nextInt(sh.factors());
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < sh.blocks(); i++) order.add(i);
            Collections.shuffle(order, new java.util.Random(rnd.nextLong()));
            float[] keep = filled(rows * b * b, 1f), ident = new float[rows * b * b];
            for (int k = 0; k < drop; k++) {
                int o = (pick * sh.blocks() + order.get(k)) * b * b;
                java.util.Arrays.fill(keep, o, o + b * b, 0f);
                for (int d = 0; d < b; d++) ident[o + d * b + d] = 1f;
            }
            q = F.add(F.mul(q, be.fromArray(keep, q.shape())), be.fromArray(ident, q.shape()));
        }
        return q;
    }

    private static float[] eye(int n) {
        float[] d = new float[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1f;
        return d;
    }

    /** {@code x [rows, in]} times the butterfly matrix M of {@code adapter}: {@code x M_{N-1} ... M_0}. */
    Tensor rotate(Tensor x, String adapter, boolean dropout) {
        Shape sh = shapes.get(adapter);
        Tensor q = rotations(adapter, dropout);
        for (int i = sh.factors() - 1; i >= 0; i--) {
            Tensor qi = F.reshape(F.slice(q, 0, i, i + 1), sh.blocks(), sh.blockSize(), sh.blockSize());
            x = butterflyPermutation(x, sh, i, false);
            x = OFTRotation.blockwise(x, qi, sh.blocks(), sh.blockSize());
            x = butterflyPermutation(x, sh, i, true);
        }
        return x;
    }

    /**
     * {@code x P_i} (or {@code x P_i^T} when {@code transposed}) for peft's {@code perm2mat(block_butterfly_perm(in,
     * blocks / 2^i, b / 2, ...))}: in each of the {@code blocks / 2^i} chunks, the {@code 2^(i+1)} half-blocks of b/2
     * are reordered evens first ({@code x P^T = x[perm]}), or back ({@code x P}). Factor 0's is the identity.
     */
    public static Tensor butterflyPermutation(Tensor x, int blocks, int blockSize, int i, boolean transposed) {
        if (i == 0) return x;
        int rows = x.size(0), n = x.size(1), chunks = blocks >> i, half = blockSize / 2, pairs = 1 << i;
        Tensor v = transposed ? F.reshape(x, rows, chunks, pairs, 2, half) : F.reshape(x, rows, chunks, 2, pairs, half);
        return F.reshape(F.contiguous(F.permute(v, 0, 1, 3, 2, 4)), rows, n);
    }

    private static Tensor butterflyPermutation(Tensor x, Shape sh, int i, boolean transposed) {
        return butterflyPermutation(x, sh.blocks(), sh.blockSize(), i, transposed);
    }

    /** peft's forward: the rotations of the active adapters (the last one first) on x, then the base, then s. */
    @Override
    public Tensor forward(Tensor x) {
        Linear base = (Linear) baseLayer();
        List<String> names = pending();
        if (names.isEmpty()) return base.forward(x);
        int[] shape = x.shape();
        Tensor rows = F.reshape(x, x.numel() / in, in);
        Tensor scale = null;
        for (int k = names.size() - 1; k >= 0; k--) rows = rotate(rows, names.get(k), true);
        for (String name : names) {
            Tensor s = F.reshape(s(name).value(), out);
            scale = scale == null ? s : F.mul(scale, s);
        }
        Tensor y = F.mul(F.linear(rows, base.weight().value(), null), scale);
        if (base.bias() != null) y = F.add(y, base.bias().value());
        int[] outShape = shape.clone();
        outShape[outShape.length - 1] = out;
        return F.reshape(y, outShape);
    }

    /** The butterfly matrix M {@code [in, in]} of {@code adapter} (peft's {@code get_delta_weight}), detached. */
    Tensor butterflyMatrix(String adapter) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor eyeIn = weight().value().backend().fromArray(eye(in), in, in);
            return F.contiguous(rotate(eyeIn, adapter, false));   // I M = M; peft's get_delta_weight has no dropout
        }
    }

    @Override
    protected void mergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor m = butterflyMatrix(name);
            weight().set(F.mul(F.matmul(weight().value(), m, false, true), s(name).value()));
        }
    }

    @Override
    protected void unmergeAdapter(String name) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor m = butterflyMatrix(name);
            weight().set(F.div(F.matmul(weight().value(), m), s(name).value()));
        }
    }

    @Override
    protected void removeTensors(String name) {
        this.<ParameterDict>childAt("boft_R").remove(name);
        this.<ParameterDict>childAt("boft_s").remove(name);
        shapes.remove(name);
        dropoutRandom.remove(name);
    }

    /** {@code boft_R.<adapter>} and {@code boft_s.<adapter>}. */
    @Override
    public Map<String, Parameter> adapterParameters(String adapter) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        m.put("boft_R." + adapter, r(adapter));
        m.put("boft_s." + adapter, s(adapter));
        return m;
    }
}
