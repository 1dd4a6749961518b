package cortado.peft.lora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * PEFT's {@code LoraModel.add_weighted_adapter} (peft 0.21, tuners/lora/model.py) for the combination types
 * {@code linear}, {@code cat} and {@code svd}: a new adapter made from existing ones, per layer, from the adapters that
 * layer holds.
 * <ul>
 * <li>{@code linear} (equal ranks): with {@code c_i = w_i · scaling_i}, {@code A = Σ sign(c_i)·sqrt|c_i| · A_i} and
 *     {@code B = Σ sqrt|c_i| · B_i} (the sign on A only, so a negative weight subtracts). Not the weighted sum of the
 *     deltas (cross terms B_i A_j appear): peft calls it "a very rough approximation".</li>
 * <li>{@code cat} (ranks summed): A stacks the rows {@code w_i · scaling_i · A_i}, B the columns {@code B_i}, so
 *     {@code B A = Σ w_i · scaling_i · B_i A_i} exactly.</li>
 * <li>{@code svd}: {@code ΔW = Σ w_i · scaling_i · B_i A_i}, truncated to rank {@code svd_rank} (default the largest
 *     rank): {@code B = U_r · diag(S_r)}, {@code A = Vh_r}, optionally clamped to ± the {@code svd_clamp} quantile of
 *     their entries (kohya-ss' svd_merge_lora, which peft follows).</li>
 * </ul>
 * The new adapter's config is the first adapter's with {@code r = lora_alpha =} the new rank, no rank/alpha
 * patterns and the default init (its factors are overwritten), so its scaling is 1 (alpha / sqrt(r) = sqrt(r) under rsLoRA, as peft leaves it); its targets are the union
 * of the adapters' targets.
 */
public final class WeightedAdapterCombination {
    private WeightedAdapterCombination() {}

    /** peft's {@code combination_type} values implemented here. */
    public enum CombinationType {
        LINEAR, CAT, SVD;

        /** "linear", "cat", "svd" (peft's spelling); anything else is an error listing the three. */
        public static CombinationType fromPeftName(String s) {
            for (CombinationType t : values()) if (t.name().toLowerCase(Locale.ROOT).equals(s)) return t;
            throw new PeftException("combination_type \"" + s + "\" is not supported (linear, cat or svd)");
        }
    }

    /** The checked request: the type actually used (linear for one adapter, as peft) and the new adapter's config. */
    public record Plan(CombinationType type, LoraConfig config) {}

    /**
     * peft's {@code _check_add_weighted_adapter}: the adapters exist, there is one weight each, the ranks fit the type
     * (linear: all equal; cat: summed; svd: {@code svdRank}, or the largest), and the targets are all lists (their
     * union) or all regexes (joined as {@code (a)|(b)}). An adapter's rank is its largest over rank_pattern.
     */
    public static Plan plan(Map<String, LoraConfig> configs, List<String> adapters, List<Double> weights,
                            CombinationType type, Integer svdRank) {
        if (adapters.isEmpty()) throw new PeftException("add_weighted_adapter needs at least one adapter");
        if (weights.size() != adapters.size())
            throw new PeftException("add_weighted_adapter got " + adapters.size() + " adapters but " + weights.size()
                    + " weights");
        for (String a : adapters)
            if (!configs.containsKey(a)) throw new PeftException("adapter '" + a + "' does not exist (have "
                    + configs.keySet() + ")");
        if (adapters.size() == 1) type = CombinationType.LINEAR;
        List<Integer> ranks = new ArrayList<>();
        for (String a : adapters) {
            LoraConfig c = configs.get(a);
            int r = c.r();
            for (int v : c.rankPattern().values()) r = Math.max(r, v);
            ranks.add(r);
        }
        int newRank = switch (type) {
            case LINEAR -> {
                if (new LinkedHashSet<>(ranks).size() != 1)
                    throw new PeftException("combination_type linear needs adapters of one rank, got " + adapters
                            + " with r = " + ranks + " (cat or svd combine different ranks)");
                yield ranks.get(0);
            }
            case CAT -> ranks.stream().mapToInt(Integer::intValue).sum();
            case SVD -> {
                if (svdRank != null && svdRank <= 0) throw new PeftException("svd_rank must be positive, got " + svdRank);
                yield svdRank != null ? svdRank : ranks.stream().mapToInt(Integer::intValue).max().orElseThrow();
            }
        };
        LoraConfig first = configs.get(adapters.get(0));
        // The factors are overwritten, so the new adapter starts plainly: a PiSSA/OLoRA/LoftQ init of the first
        // adapter would otherwise rewrite the base weights again (peft copies init_lora_weights along).
        return new Plan(type, first.withUniformRank(newRank, newRank).withTargets(unionOfTargets(configs, adapters))
                .withInitLoraWeights(true));
    }

    private static TargetModules unionOfTargets(Map<String, LoraConfig> configs, List<String> adapters) {
        boolean regex = configs.get(adapters.get(0)).targetModules().regex() != null;
        LinkedHashSet<String> names = new LinkedHashSet<>();
        StringBuilder joined = new StringBuilder();
        for (String a : adapters) {
            TargetModules t = configs.get(a).targetModules();
            if ((t.regex() != null) != regex)
                throw new PeftException("add_weighted_adapter: adapters " + adapters + " mix target_modules given as a"
                        + " list and as a regex, which peft does not combine");
            if (regex) joined.append(joined.isEmpty() ? "" : "|").append('(').append(t.regex()).append(')');
            else names.addAll(t.names());
        }
        return regex ? TargetModules.regex(joined.toString()) : new TargetModules(List.copyOf(names), null);
    }

    /**
     * Sets adapter {@code name}'s A and B in {@code layer} from those of {@code adapters} the layer holds (peft skips
     * the others); {@code svdClamp} may be null. The layer must already hold {@code name} at the plan's rank.
     */
    public static void combine(LoraLayer layer, String name, List<String> adapters, List<Double> weights,
                               CombinationType type, Double svdClamp) {
        List<String> present = new ArrayList<>();
        List<Double> w = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++)
            if (layer.adapterNames().contains(adapters.get(i))) { present.add(adapters.get(i)); w.add(weights.get(i)); }
        if (present.isEmpty()) throw new PeftException("add_weighted_adapter: no adapter of " + adapters + " on a layer"
                + " the new adapter targets");
        Parameter a = layer.adapterParameters(name).get("lora_A." + name + ".weight");
        Parameter b = layer.adapterParameters(name).get("lora_B." + name + ".weight");
        try (NoGrad ng = NoGrad.enter()) {
            Tensor[] ab = switch (type) {
                case LINEAR -> linear(layer, present, w, a.shape()[0]);
                case CAT -> cat(layer, present, w, a.shape()[0]);
                case SVD -> svd(layer, present, w, a.shape()[0], svdClamp);
            };
            if (!java.util.Arrays.equals(ab[0].shape(), a.shape()) || !java.util.Arrays.equals(ab[1].shape(), b.shape()))
                throw new PeftException("add_weighted_adapter: combined A " + java.util.Arrays.toString(ab[0].shape())
                        + " / B " + java.util.Arrays.toString(ab[1].shape()) + " do not fit the new adapter's "
                        + java.util.Arrays.toString(a.shape()) + " / " + java.util.Arrays.toString(b.shape()));
            a.set(ab[0].contiguous());
            b.set(ab[1].contiguous());
        }
    }

    private static Tensor weightA(LoraLayer l, String adapter) {
        return l.adapterParameters(adapter).get("lora_A." + adapter + ".weight").value();
    }

    private static Tensor weightB(LoraLayer l, String adapter) {
        return l.adapterParameters(adapter).get("lora_B." + adapter + ".weight").value();
    }

    /**
     * peft's {@code _generalized_task_arithmetic_weighted_adapter} for "linear": the factors sqrt|w s| computed in
     * double and rounded to float32 (torch.tensor of Python floats), then {@code task_arithmetic}: Σ factor · tensor.
     * On a layer where rank_pattern gives the adapters a rank below the new one, peft swaps in factors of that smaller
     * rank, which its saved config (r = the new rank) then cannot reload; they are zero-padded to the new rank here
     * instead (the same B A).
     */
    private static Tensor[] linear(LoraLayer l, List<String> adapters, List<Double> weights, int rank) {
        Tensor a = null, b = null;
        for (int i = 0; i < adapters.size(); i++) {
            String ad = adapters.get(i);
            Tensor ai = weightA(l, ad), bi = weightB(l, ad);
            if (a != null && (!java.util.Arrays.equals(ai.shape(), a.shape()) || !java.util.Arrays.equals(bi.shape(), b.shape())))
                throw new PeftException("combination_type linear: adapter '" + ad + "' has rank " + ai.size(0)
                        + " on this layer but '" + adapters.get(0) + "' has " + a.size(0));
            double c = weights.get(i) * l.scaling(ad);
            float root = (float) Math.sqrt(Math.abs(c));
            Tensor ta = F.scale(ai, c >= 0 ? root : -root), tb = F.scale(bi, root);
            a = a == null ? ta : F.add(a, ta);
            b = b == null ? tb : F.add(b, tb);
        }
        return padToRank(a, b, rank);
    }

    /**
     * "cat": rows {@code A_i · w_i · scaling_i} (two float32 products, as torch evaluates {@code A * w * s}) and
     * columns {@code B_i}, written into the first rows/columns of zero factors of the new rank (a layer where an
     * adapter's rank_pattern gives it a smaller rank leaves the rest zero, as peft's slice assignment does).
     */
    private static Tensor[] cat(LoraLayer l, List<String> adapters, List<Double> weights, int rank) {
        Tensor[] as = new Tensor[adapters.size()], bs = new Tensor[adapters.size()];
        for (int i = 0; i < adapters.size(); i++) {
            String ad = adapters.get(i);
            as[i] = F.scale(F.scale(weightA(l, ad), (float) (double) weights.get(i)), (float) l.scaling(ad));
            bs[i] = weightB(l, ad);
        }
        return padToRank(F.concat(0, as), F.concat(1, bs), rank);
    }

    /** A [k, in] and B [out, k] as the first rows / columns of zero factors of rank {@code rank} >= k (B A unchanged). */
    private static Tensor[] padToRank(Tensor a, Tensor b, int rank) {
        int k = a.size(0);
        if (k == rank) return new Tensor[] {a, b};
        Tensor za = a.backend().zeros(rank, a.size(1)), zb = b.backend().zeros(b.size(0), rank);
        za.backend().copyInto(za.slice(0, 0, k), a);
        zb.backend().copyInto(zb.slice(1, 0, k), b);
        return new Tensor[] {za, zb};
    }

    /** "svd": the weighted sum of the deltas, truncated by {@link LowRankDelta}. */
    private static Tensor[] svd(LoraLayer l, List<String> adapters, List<Double> weights, int rank, Double clamp) {
        Tensor delta = null;
        for (int i = 0; i < adapters.size(); i++) {
            String ad = adapters.get(i);
            // get_delta_weight (B A · scaling, [out, in]: the Conv1D transpose peft undoes before its SVD is skipped)
            Tensor d = F.scale(F.matmul(weightB(l, ad), weightA(l, ad)), (float) l.scaling(ad));
            d = F.scale(d, (float) (double) weights.get(i));
            delta = delta == null ? d : F.add(delta, d);
        }
        return LowRankDelta.truncate(delta, rank, clamp);
    }
}
