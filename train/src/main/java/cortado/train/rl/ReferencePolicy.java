package cortado.train.rl;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;

/**
 * The reference policy's per-token log-probs of sampled completions (GRPO's KL term, PPO's KL reward), computed
 * without gradients in eval mode: a frozen model, or the policy with its adapters disabled (TRL's reference when the
 * policy is a PEFT model and no ref_model is given).
 */
@FunctionalInterface
public interface ReferencePolicy {
    /** Per-token log-probs [rows * seq], {@link CompletionRows}'s layout, at {@code temperature}. */
    float[] logProbs(CompletionRows rows, float temperature);

    /** A separate model, frozen here. */
    static ReferencePolicy frozen(CausalLm model) {
        model.module().namedParameters().values().forEach(p -> p.setTrainable(false));
        model.module().train(false);
        return (rows, temperature) -> {
            try (NoGrad g = NoGrad.enter()) {
                return rows.logProbs(model, temperature).toArray();
            }
        };
    }

    /** The policy's base: the same model with its adapters disabled, in eval mode. */
    static ReferencePolicy adaptersDisabled(PeftModel peft) {
        return (rows, temperature) -> {
            boolean was = peft.model().module().isTraining();
            peft.model().module().train(false);
            try (AutoCloseable off = peft.disableAdapters(); NoGrad g = NoGrad.enter()) {
                return rows.logProbs(peft.model(), temperature).toArray();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                peft.model().module().train(was);
            }
        };
    }
}
