package cortado.train.align;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The preference losses without a reference model, as trl.experimental 1.13 computes them (ORPOTrainer and
 * CPOTrainer's get_batch_loss_metrics), from the policy's logits over TRL's rows (N chosen then N rejected):
 * <ul>
 *   <li>orpo: NLL(chosen) - beta mean log sigma(log odds), log odds = (c - r) - (log(1 - e^c) - log(1 - e^r)) on
 *       the per-token average log-probs c, r (Hong et al. 2024, eqs. 4-7). TRL's NLL is the mean cross-entropy over
 *       every attended token of the chosen rows, prompt included;</li>
 *   <li>cpo: mean(-(1-eps) log sigma(beta (c - r)) - eps log sigma(-beta (c - r))) + alpha NLL(chosen), c and r
 *       summed log-probs, NLL over the chosen completions' tokens (Xu et al. 2024, eq. 3 plus the BC term);</li>
 *   <li>simpo: the same on per-token averages less the target margin gamma/beta (Meng et al. 2024, eq. 6), alpha
 *       usually 0 (then no NLL term, as TRL).</li>
 * </ul>
 * Metrics are TRL's: rewards/chosen, rewards/rejected (beta times the log-probs used), rewards/accuracies,
 * rewards/margins, logps/chosen, logps/rejected, nll_loss, and for ORPO log_odds_ratio and log_odds_chosen.
 */
public final class ReferenceFreeLoss {
    public enum Type { ORPO, CPO, SIMPO;
        public static Type parse(String s) {
            for (Type t : values()) if (t.name().equalsIgnoreCase(s)) return t;
            throw new IllegalArgumentException("unknown reference-free loss '" + s + "' (orpo, cpo, simpo)");
        }
    }

    /**
     * @param cpoAlpha   CPO/SimPO: the weight of the chosen completions' NLL (TRL's cpo_alpha; ORPO's weight is 1)
     * @param simpoGamma SimPO: the target reward margin gamma (TRL's simpo_gamma)
     */
    public record Config(Type type, float beta, float labelSmoothing, float cpoAlpha, float simpoGamma) {
        public Config {
            if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
            if (!(labelSmoothing >= 0 && labelSmoothing < 0.5))
                throw new IllegalArgumentException("label smoothing must lie in [0, 0.5), got " + labelSmoothing);
        }
    }

    private ReferenceFreeLoss() {}

    /** @param logits [2N, T, V] over {@code ids} [2N, T]; {@code completionMask} marks the scored completion tokens */
    public static DpoLoss.Result compute(Config c, Tensor logits, int[] ids, int[] completionMask) {
        int rows = logits.size(0), seq = logits.size(1), n = rows / 2;
        if (rows % 2 != 0 || ids.length != rows * seq || completionMask.length != rows * seq)
            throw new IllegalArgumentException("expected 2N chosen+rejected rows of " + seq + " tokens");
        int[] labels = SequenceLogProbs.labels(ids, completionMask, rows, seq);
        int[] counts = SequenceLogProbs.counts(labels, rows);
        Tensor logps = SequenceLogProbs.sum(logits, labels);
        if (c.type() != Type.CPO) {   // per-token averages (TRL's average_log_prob=True)
            float[] inv = new float[rows];
            for (int i = 0; i < rows; i++) inv[i] = 1f / Math.max(1, counts[i]);
            logps = F.mul(logps, logits.backend().fromArray(inv, rows));
        }
        Tensor chosen = F.slice(logps, 0, 0, n), rejected = F.slice(logps, 0, n, rows);
        Map<String, Double> extra = new LinkedHashMap<>();
        Tensor loss;
        Tensor nll = null;
        if (c.type() == Type.ORPO || c.cpoAlpha() != 0)
            nll = chosenNll(F.slice(logits, 0, 0, n), c.type() == Type.ORPO ? attendedLabels(ids, completionMask, n, seq)
                    : java.util.Arrays.copyOf(labels, n * seq));
        if (c.type() == Type.ORPO) {
            Tensor logOdds = F.sub(F.sub(chosen, rejected), F.sub(log1mexp(chosen), log1mexp(rejected)));
            Tensor ratio = DpoLoss.logSigmoid(logOdds);
            loss = F.sub(nll, F.scale(F.mean(ratio), c.beta()));
            extra.put("log_odds_ratio", (double) F.mean(ratio).item());
            extra.put("log_odds_chosen", (double) F.mean(logOdds).item());
        } else {
            Tensor z = F.sub(chosen, rejected);
            if (c.type() == Type.SIMPO) z = F.addScalar(z, -c.simpoGamma() / c.beta());
            float eps = c.labelSmoothing();
            Tensor zb = F.scale(z, c.beta());
            Tensor per = F.sub(F.scale(DpoLoss.logSigmoid(zb), -(1 - eps)), F.scale(DpoLoss.logSigmoid(F.neg(zb)), eps));
            loss = F.mean(per);
            if (nll != null) loss = F.add(loss, F.scale(nll, c.cpoAlpha()));
        }
        // TRL's rewards here are beta times the log-probs: DPO's metrics against a zero reference
        Map<String, Double> m = DpoLoss.metrics(c.beta(), logps.toArray(), new float[rows], n);
        m.put("nll_loss", nll == null ? 0.0 : nll.item());
        m.putAll(extra);
        return new DpoLoss.Result(loss, m);
    }

    /** Mean cross-entropy of the chosen rows' labels (all labelled tokens pooled, as nn.CrossEntropyLoss). */
    private static Tensor chosenNll(Tensor chosenLogits, int[] labels) {
        int total = 0;
        for (int l : labels) if (l != -100) total++;
        Tensor sums = SequenceLogProbs.sum(chosenLogits, labels);
        return F.scale(F.sum(sums, 0, false), -1f / Math.max(1, total));
    }

    /** ORPO's NLL labels: the next token at every attended position (prompt and completion) of the chosen rows. */
    private static int[] attendedLabels(int[] ids, int[] mask, int n, int seq) {
        int[] attended = new int[n * seq];
        for (int r = 0; r < n; r++) {
            int end = 0;   // prompt + completion length: one past the last completion token
            for (int t = 0; t < seq; t++) if (mask[r * seq + t] != 0) end = t + 1;
            java.util.Arrays.fill(attended, r * seq, r * seq + end, 1);
        }
        return SequenceLogProbs.labels(java.util.Arrays.copyOf(ids, n * seq), attended, n, seq);
    }

    /** log(1 - e^x) for x < 0 (here per-token mean log-probs, well below 0, so no cancellation to guard). */
    static Tensor log1mexp(Tensor x) { return F.log(F.addScalar(F.neg(F.exp(x)), 1f)); }
}
