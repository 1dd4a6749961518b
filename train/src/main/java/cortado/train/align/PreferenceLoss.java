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

    /** ORPO, CPO or SimPO ({@link ReferenceFreeLoss}): the policy alone. */
    static PreferenceLoss referenceFree(ReferenceFreeLoss.Config config) {
        return (policy, b) -> ReferenceFreeLoss.compute(config, policy.forward(b.ids(), b.rows(), b.seq()), b.ids(),
                b.completionMask());
    }
}
