package cortado.train.align;

import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;

/**
 * Where DPO's reference log-probs come from, computed on the fly for each batch without gradients in eval mode
 * (TRL 1.13's default, {@code precompute_ref_log_probs=False}): a frozen model, or the policy itself with its
 * adapters disabled (TRL's reference when a PEFT model is given without {@code ref_model}).
 */
@FunctionalInterface
public interface ReferenceModel {
    /** The batch's completion log-probs under the reference, [2N]. */
    float[] logProbs(PreferenceBatch batch);

    /** A separate model, frozen here: no parameter of it trains. */
    static ReferenceModel frozen(CausalLm model) {
        model.module().namedParameters().values().forEach(p -> p.setTrainable(false));
        model.module().train(false);
        return batch -> batch.referenceLogProbs(model);
    }

    /**
     * The policy's base: the same model with its adapters disabled. For an adapter that starts as a zero update
     * (LoRA's default) this is the initial policy; for inits that factor the base (PiSSA, OLoRA, LoftQ) it is the
     * residual base, as in TRL.
     */
    static ReferenceModel adaptersDisabled(PeftModel peft) {
        return batch -> {
            try (AutoCloseable off = peft.disableAdapters()) {
                return batch.referenceLogProbs(peft.model());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
