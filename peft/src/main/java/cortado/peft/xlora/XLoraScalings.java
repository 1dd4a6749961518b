package cortado.peft.xlora;

import cortado.autograd.F;
import cortado.peft.lora.ExpertScalings;
import cortado.tensor.Tensor;
import java.util.List;

/**
 * The weights every X-LoRA layer reads during one forward pass, and peft's per-layer {@code get_maybe_topk_scalings}:
 * layer l takes its slice of the classifier's weights (or the one set shared by all layers), keeps only the
 * {@code top_k_lora} largest per row (the rest multiplied by 0, so only the kept ones get gradient) and, with
 * {@code enable_softmax_topk}, replaces the nonzero ones by their softmax (zeros stay zero).
 */
final class XLoraScalings implements ExpertScalings {
    private final XLoraConfig config;
    private final List<String> experts;
    /** {@code [rows, L, N]} (layerwise) or {@code [rows, N]} (every layer), or null outside a routed forward. */
    private Tensor weights;

    XLoraScalings(XLoraConfig config, List<String> experts) {
        this.config = config;
        this.experts = List.copyOf(experts);
    }

    void set(Tensor w) { weights = w; }

    void clear() { weights = null; }

    @Override public List<String> experts() { return experts; }

    @Override public double globalWeight() { return config.globalScalingWeight(); }

    @Override
    public Tensor weights(int layer) {
        if (weights == null) return null;
        int n = experts.size();
        Tensor w = weights.rank() == 3
                ? F.reshape(F.slice(weights, 1, layer, layer + 1), weights.size(0), n) : weights;
        if (config.topKLora() != null) w = F.mul(w, topKMask(w, config.topKLora()));
        if (config.enableSoftmaxTopk()) {
            Tensor nonzero = nonzeroMask(w);
            // peft fills the zeros with -inf; a large finite value gives the same softmax and no NaN for a row of zeros
            Tensor shifted = F.add(w, F.scale(F.addScalar(nonzero, -1f), 1e30f));
            w = F.mul(F.softmax(shifted), nonzero);
        }
        return w;
    }

    /**
     * 1 at the k largest of each row, else 0; among equal values the lower index. torch's CPU topk breaks ties its own
     * way (of four equal values it keeps the last two), so a scaling pass with top_k_lora and a nonzero
     * scaling_pass_value, whose rows are all equal, may keep other experts than peft's there.
     */
    static Tensor topKMask(Tensor w, int k) {
        float[] v = w.contiguous().toArray();
        int n = w.size(-1), rows = v.length / n;
        float[] m = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int pick = 0; pick < k; pick++) {
                int best = -1;
                for (int j = 0; j < n; j++)
                    if (m[r * n + j] == 0f && (best < 0 || v[r * n + j] > v[r * n + best])) best = j;
                m[r * n + best] = 1f;
            }
        }
        return w.backend().fromArray(m, w.shape());
    }

    private static Tensor nonzeroMask(Tensor w) {
        float[] v = w.contiguous().toArray();
        float[] m = new float[v.length];
        for (int i = 0; i < v.length; i++) m[i] = v[i] != 0f ? 1f : 0f;
        return w.backend().fromArray(m, w.shape());
    }
}
