package cortado.tests.parity;

import cortado.nn.models.CausalLm;

/**
 * {@link ModelParityTest} with the model's parameters on the off-heap backend: the forward pass, loss and backward
 * then compute on off-heap tensors (activations and gradients are created on their inputs' backend), against the same
 * transformers goldens and tolerance.
 */
class OffHeapModelParityTest extends ModelParityTest {
    @Override
    CausalLm onBackend(CausalLm model) { return OffHeapModels.moved(model); }
}
