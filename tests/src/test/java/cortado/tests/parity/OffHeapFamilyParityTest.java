package cortado.tests.parity;

import cortado.nn.models.CausalLm;

/** {@link FamilyParityTest} (every Llama-family case, the cached decode and the long sequence) on the off-heap backend. */
class OffHeapFamilyParityTest extends FamilyParityTest {
    @Override
    CausalLm onBackend(CausalLm model) { return OffHeapModels.moved(model); }
}
