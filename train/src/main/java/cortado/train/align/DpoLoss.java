package cortado.train.align;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DPO family of preference losses as TRL 1.13's DPOTrainer computes them (reverse-KL scores, one loss type):
 * with h = (log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) - log ref(y_l|x)),
 * <ul>
 *   <li>sigmoid: -log sigma(beta h) (Rafailov et al. 2023, eq. 7);</li>
 *   <li>ipo: (h_w/|y_w| - h_l/|y_l| - 1/(2 beta))^2, the log-ratios averaged per completion token as TRL does
 *       (Azar et al. 2023, eq. 17);</li>
 *   <li>robust: (-(1-eps) log sigma(beta h) + eps log sigma(-beta h)) / (1 - 2 eps) (Chowdhury et al. 2024);</li>
 *   <li>hinge: max(0, 1 - beta h), the SLiC hinge on the log-ratio margin (Zhao et al. 2023, eq. 2; TRL's form).</li>
 * </ul>
 * The batch mean is the loss. Metrics are TRL's: rewards/chosen, rewards/rejected (beta times the log-ratios),
 * rewards/accuracies, rewards/margins, logps/chosen, logps/rejected (batch means).
 */
public final class DpoLoss {
    /** The loss types against a reference (KTO is {@link KtoLoss}; ORPO, CPO and SimPO are {@link ReferenceFreeLoss}). */
    public enum Type { SIGMOID, IPO, ROBUST, HINGE;
        public static Type parse(String s) {
            for (Type t : values()) if (t.name().equalsIgnoreCase(s)) return t;
            throw new IllegalArgumentException("unknown DPO loss '" + s + "' (sigmoid, ipo, robust, hinge)");
        }
    }

    public record Config(Type type, float beta, float labelSmoothing) {
        public Config {
            if (!(beta > 0)) throw new IllegalArgumentException("beta must be > 0, got " + beta);
            if (type == Type.ROBUST && !(labelSmoothing >= 0 && labelSmoothing < 0.5))
                throw new IllegalArgumentException("label smoothing must lie in [0, 0.5) for robust, got " + labelSmoothing);
        }
    }

    public record Result(Tensor loss, Map<String, Double> metrics) {}

    private DpoLoss() {}

    /**
     * @param policy   [2N] completion log-probs, N chosen rows then N rejected rows (differentiable)
     * @param ref      [2N] the reference model's, same order (constants: precomputed or from the frozen model)
     * @param lengths  [2N] completion tokens per row (IPO's per-token average)
     */
    public static Result compute(Config c, Tensor policy, float[] ref, int[] lengths) {
        int n2 = policy.size(0), n = n2 / 2;
        if (n2 % 2 != 0 || ref.length != n2 || lengths.length != n2)
            throw new IllegalArgumentException("expected 2N chosen+rejected rows, got " + n2 + "/" + ref.length + "/" + lengths.length);
        Tensor ratios = F.sub(policy, policy.backend().fromArray(ref, n2)); // log pi - log ref per row
        Tensor chosen = F.slice(ratios, 0, 0, n), rejected = F.slice(ratios, 0, n, n2);
        Tensor perPair = switch (c.type()) {
            case SIGMOID -> F.neg(logSigmoid(F.scale(F.sub(chosen, rejected), c.beta())));
            case IPO -> {
                float[] inv = new float[n2];
                for (int i = 0; i < n2; i++) inv[i] = 1f / Math.max(1, lengths[i]);
                Tensor avg = F.mul(ratios, policy.backend().fromArray(inv, n2));
                Tensor d = F.addScalar(F.sub(F.slice(avg, 0, 0, n), F.slice(avg, 0, n, n2)), -1f / (2 * c.beta()));
                yield F.mul(d, d);
            }
            case ROBUST -> {
                float eps = c.labelSmoothing();
                Tensor z = F.scale(F.sub(chosen, rejected), c.beta());
                Tensor clean = F.scale(logSigmoid(z), -(1 - eps));
                Tensor flipped = F.scale(logSigmoid(F.neg(z)), -eps);
                yield F.scale(F.sub(clean, flipped), 1f / (1 - 2 * eps));
            }
            case HINGE -> relu(F.addScalar(F.scale(F.sub(chosen, rejected), -c.beta()), 1f));
        };
        return new Result(F.mean(perPair), metrics(c.beta(), policy.toArray(), ref, n));
    }

    /** log sigma(x) = log(sigmoid(x)); both pieces have gradient checks, and the margins here stay far from underflow. */
    static Tensor logSigmoid(Tensor x) { return F.log(F.sigmoid(x)); }

    /** max(0, x) as x times its constant 0/1 mask: torch's relu gradient (0 at 0, 1 above). */
    static Tensor relu(Tensor x) {
        float[] v = x.toArray(), mask = new float[v.length];
        for (int i = 0; i < v.length; i++) mask[i] = v[i] > 0 ? 1f : 0f;
        return F.mul(x, x.backend().fromArray(mask, x.shape()));
    }

    static Map<String, Double> metrics(float beta, float[] policy, float[] ref, int n) {
        double rc = 0, rr = 0, acc = 0, lc = 0, lr = 0;
        for (int i = 0; i < n; i++) {
            double c = (double) beta * (policy[i] - ref[i]), r = (double) beta * (policy[n + i] - ref[n + i]);
            rc += c; rr += r; if (c > r) acc++;
            lc += policy[i]; lr += policy[n + i];
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rewards/chosen", rc / n);
        m.put("rewards/rejected", rr / n);
        m.put("rewards/accuracies", acc / n);
        m.put("rewards/margins", (rc - rr) / n);
        m.put("logps/chosen", lc / n);
        m.put("logps/rejected", lr / n);
        return m;
    }
}
