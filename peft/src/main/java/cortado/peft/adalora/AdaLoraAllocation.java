package cortado.peft.adalora;

import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * What AdaLoRA adds to a training loop, peft's {@code AdaLoraModel.forward} and {@code update_and_allocate}: the
 * orthogonal regularization on the loss ({@link #loss}), and after each optimizer update, before the gradients are
 * cleared, {@link #updateAndAllocate} with the 0-based step: the importance statistics and the masking to the
 * schedule's budget until {@code total_step - tfinal}, the final allocation at that step (its pattern kept and the
 * statistics reset), and that pattern re-applied on every later step. Each new rank_pattern goes into the adapter's
 * config, which the adapter is saved with ({@link cortado.peft.AdapterFiles#save}). One trainable adapter, the active
 * one when this is made (peft: "AdaLoraModel supports only 1 trainable adapter").
 */
public final class AdaLoraAllocation {
    private final PeftModel peft;
    private final String adapter;
    private final RankAllocator allocator;

    public AdaLoraAllocation(PeftModel peft) {
        this.peft = peft;
        this.adapter = peft.activeAdapter();
        if (!(peft.config(adapter) instanceof AdaLoraConfig c))
            throw new PeftException("adapter '" + adapter + "' is " + peft.config(adapter).peftType() + ", not ADALORA");
        allocator = new RankAllocator(params(), c, adapter);
    }

    /** Whether {@code peft}'s active adapter is an AdaLoRA one. */
    public static boolean applies(PeftModel peft) { return peft.config(peft.activeAdapter()) instanceof AdaLoraConfig; }

    private AdaLoraConfig config() { return (AdaLoraConfig) peft.config(adapter); }

    private Map<String, Parameter> params() { return peft.adapterParameters(adapter); }

    public RankAllocator allocator() { return allocator; }

    /** The task loss plus {@code orth_reg_weight} times the orthogonal regularization. */
    public Tensor loss(Tensor task) {
        return OrthogonalRegularization.addTo(task, params(), adapter, config().orthRegWeight());
    }

    /** peft's {@code update_and_allocate(global_step)}; the rank pattern after it (null before the first masking). */
    public Map<String, List<Boolean>> updateAndAllocate(int step) {
        AdaLoraConfig c = config();
        int last = c.totalStep() - c.tfinal();
        if (step < last) {
            Map<String, List<Boolean>> p = allocator.updateAndAllocate(params(), step, false);
            if (p != null) peft.updateConfig(adapter, c.withRankPattern(p));
        } else if (step == last) {
            Map<String, List<Boolean>> p = allocator.updateAndAllocate(params(), step, true);
            peft.updateConfig(adapter, c.withRankPattern(p));
            allocator.resetIpt();
        } else {
            if (c.rankPattern() == null)
                throw new PeftException("AdaLoRA step " + step + " is past the final allocation but no rank_pattern was"
                        + " ever allocated");
            allocator.maskUsingRankPattern(params(), c.rankPattern());
        }
        return config().rankPattern();
    }
}
