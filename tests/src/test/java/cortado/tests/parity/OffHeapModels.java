package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.tensor.Backend;
import cortado.tensor.Backends;

/** Moves a loaded model onto the off-heap backend for the parity suites. */
final class OffHeapModels {
    private OffHeapModels() {}

    static CausalLm moved(CausalLm model) {
        Backend off = Backends.offHeap();
        for (Parameter p : model.module().namedParameters().values()) {
            p.set(p.value().to(off));
            assertThat(p.value().backend()).isSameAs(off);
        }
        return model;
    }
}
