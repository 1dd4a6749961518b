package cortado.quant.prune;

import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.quant.nn.QuantizeSpec;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight pruning of the projection layers (every {@link Linear} and GPT-2 {@link Conv1D} weight; embeddings, norms,
 * biases and a tied lm_head are left dense, as is usual: Han et al. 2015; Frantar and Alistarh 2023 prune the same set).
 * <ul>
 *   <li>Unstructured magnitude pruning (Han et al., "Learning both Weights and Connections", 2015): zero the weights of
 *       smallest |w|, either the smallest fraction of all pruned weights together ({@link Scope#GLOBAL}) or the
 *       smallest fraction of each layer ({@link Scope#LAYER}). Exactly floor(sparsity * n) weights are zeroed.</li>
 *   <li>2:4 semi-structured sparsity (NVIDIA Ampere sparse tensor cores; Mishra et al. 2021): in every group of four
 *       consecutive weights along the input dimension, the two of smallest magnitude are zeroed (50% sparsity). For a
 *       Conv1D (weight [in, out]) the input dimension is the first, so groups run down its columns.</li>
 * </ul>
 */
public final class Pruner {
    public enum Scope { GLOBAL, LAYER }

    /** One pruned layer: its weight's dotted name, element count and zeros after pruning. */
    public record LayerReport(String name, long numel, long zeros) {
        public double sparsity() { return numel == 0 ? 0 : (double) zeros / numel; }
    }

    private Pruner() {}

    /** The prunable weights of a model tree, by dotted parameter name, with whether the input dimension is dim 0. */
    public static Map<String, Target> targets(Module root, List<String> skip) {
        Map<String, Target> out = new LinkedHashMap<>();
        root.namedModules().forEach((path, m) -> {
            if (path.isEmpty() || skipped(path, skip)) return;
            if (m instanceof Linear l) out.put(path + ".weight", new Target(l.weight(), false));
            else if (m instanceof Conv1D c) out.put(path + ".weight", new Target(c.weight(), true));
        });
        return out;
    }

    /** A weight to prune; {@code inputFirst} for Conv1D's [in, out] layout. */
    public record Target(Parameter weight, boolean inputFirst) {}

    static boolean skipped(String path, List<String> skip) { return QuantizeSpec.matches(path, skip); }

    /** Magnitude pruning to {@code sparsity} in [0, 1), in place. */
    public static List<LayerReport> magnitude(Module root, double sparsity, Scope scope, List<String> skip) {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new IllegalArgumentException("sparsity must lie in [0, 1), got " + sparsity);
        Map<String, Target> targets = targets(root, skip);
        if (scope == Scope.LAYER) {
            for (Target t : targets.values()) {
                float[] w = t.weight.value().toArray();
                pruneSmallest(List.of(w), (long) Math.floor(sparsity * w.length), threshold(List.of(w), sparsity));
                t.weight.set(t.weight.value().backend().fromArray(w, t.weight.shape()));
            }
        } else {
            List<float[]> all = new ArrayList<>();
            for (Target t : targets.values()) all.add(t.weight.value().toArray());
            long total = 0;
            for (float[] w : all) total += w.length;
            pruneSmallest(all, (long) Math.floor(sparsity * total), threshold(all, sparsity));
            int i = 0;
            for (Target t : targets.values()) t.weight.set(t.weight.value().backend().fromArray(all.get(i++), t.weight.shape()));
        }
        return report(targets);
    }

    /** 2:4 pruning, in place: two of every four consecutive input weights are zeroed. */
    public static List<LayerReport> twoFour(Module root, List<String> skip) {
        Map<String, Target> targets = targets(root, skip);
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            Target t = e.getValue();
            int[] s = t.weight.shape();
            int rows = t.inputFirst ? s[1] : s[0], in = t.inputFirst ? s[0] : s[1];
            if (in % 4 != 0)
                throw new IllegalArgumentException(e.getKey() + ": 2:4 pruning needs an input dimension divisible by 4,"
                        + " got " + in);
            float[] w = t.weight.value().toArray();
            // Element (row r, input i) of the weight in its stored layout.
            int rowStride = t.inputFirst ? 1 : in, inStride = t.inputFirst ? s[1] : 1;
            int[] idx = new int[4];
            for (int r = 0; r < rows; r++)
                for (int g = 0; g < in; g += 4) {
                    for (int j = 0; j < 4; j++) idx[j] = r * rowStride + (g + j) * inStride;
                    zeroTwoSmallest(w, idx);
                }
            t.weight.set(t.weight.value().backend().fromArray(w, s));
        }
        return report(targets);
    }

    /** Zeroes the two entries of smallest magnitude among w[idx[0..3]] (ties: the earlier one goes first). */
    static void zeroTwoSmallest(float[] w, int[] idx) {
        int a = -1, b = -1; // indices into idx of the smallest and second smallest
        for (int j = 0; j < 4; j++) {
            float m = Math.abs(w[idx[j]]);
            if (a < 0 || m < Math.abs(w[idx[a]])) { b = a; a = j; }
            else if (b < 0 || m < Math.abs(w[idx[b]])) b = j;
        }
        w[idx[a]] = 0f;
        w[idx[b]] = 0f;
    }

    /** The magnitude below which a fraction {@code sparsity} of all the values lies (the k-th smallest |w|). */
    static float threshold(List<float[]> arrays, double sparsity) {
        long total = 0;
        for (float[] w : arrays) total += w.length;
        long k = (long) Math.floor(sparsity * total);
        if (k == 0) return -1f;
        float[] mags = new float[Math.toIntExact(total)];
        int p = 0;
        for (float[] w : arrays) for (float v : w) mags[p++] = Math.abs(v);
        Arrays.sort(mags);
        return mags[(int) (k - 1)];
    }

    /** Zeroes every |w| < thr and then entries equal to thr, in order, until exactly k are zeroed. */
    static void pruneSmallest(List<float[]> arrays, long k, float thr) {
        if (k == 0) return;
        long zeroed = 0;
        for (float[] w : arrays)
            for (int i = 0; i < w.length; i++)
                if (Math.abs(w[i]) < thr) { w[i] = 0f; zeroed++; }
        for (float[] w : arrays)
            for (int i = 0; i < w.length && zeroed < k; i++)
                if (Math.abs(w[i]) == thr) { w[i] = 0f; zeroed++; }
    }

    static List<LayerReport> report(Map<String, Target> targets) {
        List<LayerReport> out = new ArrayList<>();
        targets.forEach((name, t) -> {
            long zeros = 0;
            for (float v : t.weight.value().toArray()) if (v == 0f) zeros++;
            out.add(new LayerReport(name, t.weight.numel(), zeros));
        });
        return out;
    }
}
