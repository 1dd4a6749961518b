package cortado.train;

import cortado.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * An optimizer whose update is elementwise: element i of a parameter's new value and state depends only on element i
 * of the parameter, its gradient and its state, plus the parameter's name and rank (through {@link ParamGroups}: the
 * learning-rate scale and whether it is decayed), never on its other elements. AdamW, SGD and Lion are; LAMB (a
 * per-tensor trust ratio), Adafactor (factored row and column moments) and the 8-bit kinds (blockwise scales) are
 * not. ZeRO ({@code cortado.train.dist.ZeroOptimizer}) relies on it to cut a parameter's state at any element.
 */
public interface ElementwiseOptimizer extends Optimizer {
    /** The state slots under PyTorch's names ("exp_avg", "exp_avg_sq"), each a tensor of its parameter's shape. */
    List<String> stateSlots();

    /** Slot {@code slot} of parameter {@code name}, or null before its first update. */
    Tensor state(String slot, String name);

    /**
     * Replaces every state tensor and the step counter: {@code state} maps {@code SLOT.NAME} to the values of that
     * slot (its parameter's element count, row-major); a parameter absent from it has not been updated yet.
     */
    void restoreState(int step, Map<String, float[]> state);
}
