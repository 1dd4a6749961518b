package cortado.train.align;

import cortado.nn.models.CausalLm;

/** One preference batch's loss (recording the graph) and TRL's metrics for it, under one method. */
@FunctionalInterface
public interface PreferenceLoss {
    DpoLoss.Result compute(CausalLm policy, PreferenceBatch batch);

    /** The DPO family ({@link DpoLoss}) against a reference. */
    static PreferenceLoss dpo(DpoLoss.Config config, ReferenceModel reference) {
        return (policy, b) -> DpoLoss.compute(config, b.logProbs(policy), reference.logProbs(b), b.lengths());
    }

    /**
     * A reward model's pairwise loss ({@link RewardLoss}) on the same rows: the reward of prompt + completion (+ EOS)
     * read at its last non-pad token (pad = EOS, TRL's default, so the last completion token); the policy argument is
     * the classifier's own decoder.
     */
    static PreferenceLoss reward(cortado.nn.models.DecoderForSequenceClassification model, float center) {
        return (policy, b) -> RewardLoss.compute(model.forward(b.ids(), b.rows(), b.seq()), null, center);
    }

    /** ORPO, CPO or SimPO ({@link ReferenceFreeLoss}): the policy alone. */
    static PreferenceLoss referenceFree(ReferenceFreeLoss.Config config) {
        return (policy, b) -> ReferenceFreeLoss.compute(config, policy.forward(b.ids(), b.rows(), b.seq()), b.ids(),
                b.completionMask());
    }
}
