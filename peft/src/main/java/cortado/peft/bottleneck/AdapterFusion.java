package cortado.peft.bottleneck;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;
import java.util.List;

/**
 * adapter-hub's {@code BertFusion} at one place: children {@code query}, {@code key} (Linear C -> C) and
 * {@code value} (no bias), as {@link FusionConfig} asks. For rows {@code h} {@code [N, C]} and the adapters'
 * up-projections {@code z_n} {@code [N, C]}: {@code s_n = q · k_n} per row (no 1/sqrt(C)), {@code p = softmax(s)}
 * over the adapters, {@code out = Σ p_n v_n + residual}.
 */
public final class AdapterFusion extends Module {
    private final FusionConfig config;

    AdapterFusion(int hidden, FusionConfig config, long seed, long stream) {
        this.config = config;
        // init_bert_weights: N(0, 0.02), biases zero; the value then replaced by the identity (1e-6 off the diagonal)
        if (config.query()) init(child("query", new Linear(hidden, hidden, true)), seed, stream);
        if (config.key()) init(child("key", new Linear(hidden, hidden, true)), seed, stream + 1);
        if (config.value()) {
            Linear v = child("value", new Linear(hidden, hidden, false));
            init(v, seed, stream + 2);
            if (config.valueInitialized()) {
                float[] w = new float[hidden * hidden];
                java.util.Arrays.fill(w, 1e-6f);
                for (int i = 0; i < hidden; i++) w[i * hidden + i] = 1f;
                try (NoGrad ng = NoGrad.enter()) {
                    v.weight().set(v.weight().value().backend().fromArray(w, hidden, hidden));
                }
            }
        }
    }

    /** The C x C identity on w's backend. */
    private static Tensor eye(Tensor like, int n) {
        float[] e = new float[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1f;
        return like.backend().fromArray(e, n, n);
    }

    private static void init(Linear l, long seed, long stream) {
        Init.normal(l.weight().value(), 0.02f, seed, stream);
        if (l.bias() != null) Init.constant(l.bias().value(), 0f);
    }

    public FusionConfig config() { return config; }

    /** A projection child, looked up by name at each call (so it can be wrapped). */
    private Layer layer(String name) {
        Module m = childAt(name);
        return (Layer) m;
    }

    /**
     * @param query    rows {@code [N, C]} the query projects
     * @param ups      each fused adapter's scaled up-projection {@code [N, C]}
     * @param residual the residual added {@code [N, C]}
     */
    Tensor forward(Tensor query, List<Tensor> ups, Tensor residual) {
        int n = ups.size();
        Tensor[] values = new Tensor[n], scores = new Tensor[n];
        Tensor q = config.query() ? layer("query").forward(query) : query;
        for (int i = 0; i < n; i++) {
            Tensor z = config.residualBefore() ? F.add(ups.get(i), residual) : ups.get(i);
            Tensor k = config.key() ? layer("key").forward(z) : z;
            values[i] = config.value() && config.valueBeforeSoftmax() ? layer("value").forward(z) : z;
            scores[i] = F.sum(F.mul(q, k), 1, true);                 // [N, 1]
        }
        Tensor p = F.softmax(n == 1 ? scores[0] : F.concat(1, scores));   // [N, n], over the adapters
        Tensor out = null;
        for (int i = 0; i < n; i++) {
            Tensor term = F.mul(n == 1 ? p : F.slice(p, 1, i, i + 1), values[i]);
            out = out == null ? term : F.add(out, term);
        }
        if (config.value() && !config.valueBeforeSoftmax()) out = layer("value").forward(out);
        return config.residualBefore() ? out : F.add(out, residual);
    }

    /** adapter-hub's {@code get_fusion_regularization_loss} term for this layer: {@code 0.01 · ||I - V||²}, or null. */
    public Tensor regularization() {
        if (!config.value()) return null;
        Tensor w = this.<Linear>childAt("value").weight().value();
        Tensor d = F.sub(eye(w, w.size(0)), w);
        return F.scale(F.sum(F.mul(d, d)), 0.01f);
    }
}
