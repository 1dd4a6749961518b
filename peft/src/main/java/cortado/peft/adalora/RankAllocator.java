package cortado.peft.adalora;

import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * peft's {@code RankAllocator} (Zhang et al. 2023, section 3.2): the importance of each parameter element is its
 * sensitivity {@code I = |w ∂L/∂w|}, smoothed {@code Ī_t = β1 Ī_{t-1} + (1-β1) I_t} and with its uncertainty
 * {@code Ū_t = β2 Ū_{t-1} + (1-β2) |I_t - Ī_t|}; an element scores {@code s = Ī Ū} (eq. 8-10). A triplet
 * {@code (P_i, λ_i, Q_i)} scores {@code s(λ_i) + mean_j s(Q_ij) + mean_k s(P_ki)} (eq. 11), and masking to a budget b
 * zeroes the singular values of every triplet scoring at or below the {@code (b0 - b)}-th smallest score over all
 * targets. The statistics are float32 host arrays, as peft's are float32 tensors; computed in peft's order of
 * operations. The parameters are the trainable adapter's, by full dotted name ({@code ...q_proj.lora_A.default}).
 */
public final class RankAllocator {
    private final String adapter;
    private final float beta1, beta2, oneMinusBeta1, oneMinusBeta2;
    private final BudgetSchedule schedule;
    private final List<String> modules;                 // sorted, peft's name_set: "<module>.%s.<adapter>"
    private Map<String, float[]> expAvgIpt = new HashMap<>(), expAvgUnc = new HashMap<>();

    public RankAllocator(Map<String, Parameter> params, AdaLoraConfig c, String adapter) {
        if (!(c.beta1() > 0 && c.beta1() < 1 && c.beta2() > 0 && c.beta2() < 1))
            throw new PeftException("AdaLoRA's beta1 and beta2 must be in (0, 1), got " + c.beta1() + " and " + c.beta2());
        this.adapter = adapter;
        beta1 = (float) c.beta1();
        beta2 = (float) c.beta2();
        oneMinusBeta1 = (float) (1 - c.beta1());
        oneMinusBeta2 = (float) (1 - c.beta2());
        int init = 0;
        TreeSet<String> names = new TreeSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet())
            if (e.getKey().contains("lora_A." + adapter)) {
                init += e.getValue().shape()[0];
                names.add(e.getKey().replace(".lora_A." + adapter, ""));
            }
        modules = List.copyOf(names);
        schedule = new BudgetSchedule(init, c.targetR() * modules.size(), c.tinit(), c.tfinal(), c.totalStep(),
                c.deltaT());
    }

    public BudgetSchedule schedule() { return schedule; }

    /** The adapted modules, sorted (peft's {@code name_set}). */
    public List<String> modules() { return modules; }

    /** Forgets the statistics ({@code reset_ipt}, after the final allocation). */
    public void resetIpt() {
        expAvgIpt = new HashMap<>();
        expAvgUnc = new HashMap<>();
    }

    /** {@code update_ipt}: the EMAs of every lora_ tensor's sensitivity and uncertainty from its value and gradient. */
    public void updateIpt(Map<String, Parameter> params) {
        params.forEach((n, p) -> {
            if (!n.contains("lora_") || !n.contains(adapter)) return;
            Tensor g = p.value().grad();
            if (g == null) throw new PeftException("AdaLoRA's importance needs the gradient of " + n + ": call"
                    + " update_and_allocate after backward and before the gradients are cleared");
            float[] w = p.value().toArray(), gr = g.toArray();
            float[] avg = expAvgIpt.computeIfAbsent(n, k -> new float[w.length]);
            float[] unc = expAvgUnc.computeIfAbsent(n, k -> new float[w.length]);
            for (int i = 0; i < w.length; i++) {
                float ipt = Math.abs(w[i] * gr[i]);
                avg[i] = beta1 * avg[i] + oneMinusBeta1 * ipt;
                unc[i] = beta2 * unc[i] + oneMinusBeta2 * Math.abs(ipt - avg[i]);
            }
        });
    }

    /** {@code _element_score}: Ī ⊙ Ū of one tensor. */
    private float[] score(String n) {
        float[] a = expAvgIpt.get(n), u = expAvgUnc.get(n);
        if (a == null) throw new PeftException("no importance statistics for " + n + " (update_ipt has not run)");
        float[] s = new float[a.length];
        for (int i = 0; i < s.length; i++) s[i] = a[i] * u[i];
        return s;
    }

    /**
     * {@code mask_to_budget}: zeroes (in place) the singular values of the triplets at or below the threshold that
     * leaves {@code budget} of them, and returns the pattern of kept triplets by {@code <module>.lora_E}.
     */
    public Map<String, List<Boolean>> maskToBudget(Map<String, Parameter> params, int budget) {
        Map<String, float[]> triplet = new LinkedHashMap<>();
        List<Float> all = new ArrayList<>();
        for (String m : modules) {
            int[] shapeA = params.get(m + ".lora_A." + adapter).shape(), shapeB = params.get(m + ".lora_B." + adapter).shape();
            int r = shapeA[0], in = shapeA[1], out = shapeB[0];
            float[] sa = score(m + ".lora_A." + adapter), sb = score(m + ".lora_B." + adapter);
            float[] se = score(m + ".lora_E." + adapter);
            float[] t = new float[r];
            for (int i = 0; i < r; i++) {
                float meanA = 0, meanB = 0;   // torch.mean(dim=1) of A's scores, torch.mean(dim=0) of B's
                for (int j = 0; j < in; j++) meanA += sa[i * in + j];
                for (int k = 0; k < out; k++) meanB += sb[k * r + i];
                t[i] = se[i] + (meanA / in + meanB / out);
                all.add(t[i]);
            }
            triplet.put(m, t);
        }
        int k = schedule.initBudget() - budget;
        if (k < 1 || k > all.size())
            throw new PeftException("AdaLoRA's budget " + budget + " leaves " + k + " of " + all.size() + " triplets to"
                    + " mask (init_r equal to target_r leaves nothing to allocate)");
        float[] sorted = new float[all.size()];
        for (int i = 0; i < sorted.length; i++) sorted[i] = all.get(i);
        Arrays.sort(sorted);
        float threshold = sorted[k - 1];   // torch.kthvalue(k): the k-th smallest
        Map<String, List<Boolean>> pattern = new LinkedHashMap<>();
        for (String m : modules) {
            float[] t = triplet.get(m);
            Tensor e = params.get(m + ".lora_E." + adapter).value();
            List<Boolean> kept = new ArrayList<>();
            for (int i = 0; i < t.length; i++) {
                boolean keep = !(t[i] <= threshold);
                if (!keep) e.set(0f, i, 0);
                kept.add(keep);
            }
            pattern.put(m + ".lora_E", kept);
        }
        return pattern;
    }

    /** {@code mask_using_rank_pattern}: zeroes the singular values the pattern drops (the final phase). */
    public void maskUsingRankPattern(Map<String, Parameter> params, Map<String, List<Boolean>> pattern) {
        for (String m : modules) {
            List<Boolean> kept = pattern.get(m + ".lora_E");
            if (kept == null) throw new PeftException("rank_pattern has no entry for " + m + ".lora_E");
            Tensor e = params.get(m + ".lora_E." + adapter).value();
            for (int i = 0; i < kept.size(); i++) if (!kept.get(i)) e.set(0f, i, 0);
        }
    }

    /**
     * {@code RankAllocator.update_and_allocate}: the statistics updated before {@code total_step - tfinal}, then the
     * mask when the schedule (or {@code force}) asks for one; the new pattern, or null.
     */
    public Map<String, List<Boolean>> updateAndAllocate(Map<String, Parameter> params, int step, boolean force) {
        if (step < schedule.totalStep() - schedule.tfinal()) updateIpt(params);
        BudgetSchedule.Budget b = schedule.at(step);
        return b.mask() || force ? maskToBudget(params, b.budget()) : null;
    }
}
