package cortado.peft.lora;

import cortado.tensor.Tensor;
import java.util.List;

/**
 * Per-token weights of a layer's LoRA adapters, peft's X-LoRA {@code scalings} as {@code XLoraLinearLayer} reads them:
 * while a forward pass runs with them, each {@link LoraLayer} that has them set computes
 * {@code base(x) + Σ_n scaling_n · global · B_n(A_n(dropout_n(x · w_n)))} over the experts in their fixed order, where
 * {@code w_n} is expert n's weight for each row of x; an expert the layer does not hold adds nothing. One instance is
 * shared by every layer of a model; whoever runs the forward sets the weights first and clears them after.
 */
public interface ExpertScalings {
    /**
     * The weights {@code [rows, N]} of layer {@code layer}'s experts for the rows of its input (batch and time
     * flattened), or null when no routed forward runs (the layer then applies its active adapters as usual).
     */
    Tensor weights(int layer);

    /** The experts' adapter names; weight column n is expert n's. */
    List<String> experts();

    /** The factor on every expert's output while routed (peft's {@code global_scaling_weight}). */
    double globalWeight();
}
