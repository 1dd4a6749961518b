package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.*;

import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Backward inside a {@link StepArena}: buffers go back to the pool while the pass runs (consumed gradients,
 * activations whose producer has run), and the gradients are bit for bit those of a backward without an arena.
 */
class ArenaBackwardTest {
    /** Views, slices, a tensor used twice, broadcasting and fused ops: every way buffers are shared. */
    private static Tensor graph(Tensor x, Tensor w, Tensor gamma) {
        Tensor h = F.matmul(x, w);                                  // [4, 9]
        Tensor a = F.slice(h, 1, 0, 3), b = F.slice(h, 1, 3, 6), c = F.slice(h, 1, 6, 9);
        Tensor m = F.add(F.mul(F.tanh(a), b), F.gelu(c));           // [4, 3]
        Tensor t = F.reshape(F.transpose(F.contiguous(F.permute(F.reshape(m, 2, 2, 3), 1, 0, 2)), 0, 1), 4, 3);
        Tensor n = F.layerNorm(F.add(t, m), gamma, null, 1e-5f);    // m used twice
        return F.sum(F.mul(n, F.exp(F.scale(m, 0.1f))));
    }

    private static Tensor[] params() { return new Tensor[] {param(1, 4, 6), param(2, 6, 9), param(3, 3)}; }

    @Test
    void sameGradientsWithAndWithoutAnArena() {
        Tensor[] plain = params(), pooled = params();
        Autograd.backward(graph(plain[0], plain[1], plain[2]));
        StepArena.drainPool();
        for (int step = 0; step < 3; step++) { // later steps run on recycled, dirty buffers
            try (StepArena arena = StepArena.open()) {
                for (Tensor p : pooled) p.setGrad(null);
                Tensor loss = graph(pooled[0], pooled[1], pooled[2]);
                Autograd.backward(loss);
                for (int i = 0; i < plain.length; i++)
                    assertThat(pooled[i].grad().toArray()).as("step %d input %d", step, i)
                            .containsExactly(plain[i].grad().toArray());
                for (Tensor p : pooled) p.setGrad(null);
            }
        }
    }

    @Test
    void buffersAreReturnedDuringBackward() {
        Tensor[] p = params();
        StepArena.drainPool();
        try (StepArena arena = StepArena.open()) {
            Tensor h = F.matmul(p[0], p[1]);
            Tensor act = F.gelu(h);
            Tensor loss = F.sum(F.mul(act, act));
            Autograd.backward(loss);
            // Activations and the consumed gradients are back in the pool before the step ends...
            assertThatThrownBy(h::data).hasMessageContaining("StepArena");
            assertThatThrownBy(act::data).hasMessageContaining("StepArena");
            assertThat(StepArena.pooledBytes()).isGreaterThanOrEqualTo(2L * 4 * 9 * Float.BYTES);
            // ...while the loss and the parameter gradients stay readable.
            assertThat(loss.item()).isFinite();
            assertThat(p[0].grad().toArray()).hasSize(24);
            assertThat(p[1].grad().toArray()).hasSize(54);
        }
    }

    @Test
    void aDetachedViewOfAnActivationIsNotReleasedUnderItsReader() {
        Tensor x = param(4, 3, 5), w = param(5, 5, 5);
        try (StepArena arena = StepArena.open()) {
            Tensor h = F.tanh(x);
            Tensor constant = h.detach();                 // holds h's buffer from outside the graph
            Tensor loss = F.sum(F.mul(F.matmul(h, w), constant));
            Autograd.backward(loss);
            assertThat(constant.toArray()).hasSize(15);   // pinned, so not released when tanh ran its backward
        }
    }
}
