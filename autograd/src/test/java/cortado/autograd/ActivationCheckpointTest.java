package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.*;

import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** F.checkpoint: recomputation in backward gives the gradients of the plain graph, to parameters and to the input. */
class ActivationCheckpointTest {
    /** A small residual block reading two parameters, with a view and a fused norm inside. */
    private static UnaryOperator<Tensor> block(Tensor w, Tensor gamma) {
        return x -> F.add(x, F.layerNorm(F.gelu(F.reshape(F.matmul(F.reshape(x, 6, 4), w), 2, 3, 4)), gamma, null, 1e-5f));
    }

    private static Tensor model(Tensor x, Tensor[] p, boolean checkpoint) {
        Tensor h = F.tanh(x);
        for (int layer = 0; layer < 2; layer++) {
            UnaryOperator<Tensor> b = block(p[2 * layer], p[2 * layer + 1]);
            h = checkpoint ? F.checkpoint(b, h) : b.apply(h);
        }
        return F.sum(F.mul(h, h));
    }

    private static Tensor[] params() {
        return new Tensor[] {param(11, 0.5f, 4, 4), param(12, 4), param(13, 0.5f, 4, 4), param(14, 4)};
    }

    private static Tensor[] gradients(boolean checkpoint, boolean arena) {
        Tensor x = param(10, 2, 3, 4);
        Tensor[] p = params();
        try (StepArena a = arena ? StepArena.open() : null) {
            Autograd.backward(model(x, p, checkpoint));
            Tensor[] g = new Tensor[p.length + 1];
            g[0] = Tensor.of(x.grad().toArray(), x.shape()); // copies: the arena takes its buffers back
            for (int i = 0; i < p.length; i++) g[i + 1] = Tensor.of(p[i].grad().toArray(), p[i].shape());
            return g;
        }
    }

    @Test
    void sameGradientsAsWithoutCheckpointing() {
        Tensor[] plain = gradients(false, false);
        for (boolean arena : new boolean[] {false, true}) {
            Tensor[] ck = gradients(true, arena);
            for (int i = 0; i < plain.length; i++) {
                float[] a = plain[i].toArray(), b = ck[i].toArray();
                // 1e-6 absolute: the recomputation runs the same kernels on the same inputs, so any difference is a bug.
                for (int j = 0; j < a.length; j++)
                    assertThat(b[j]).as("arena %s, tensor %d, element %d", arena, i, j).isCloseTo(a[j], within(1e-6f));
            }
        }
    }

    @Test
    void gradCheckThroughACheckpoint() {
        // A smooth residual block (no norm over 4 elements, whose curvature the float32 finite differences would blur).
        UnaryOperator<Tensor>[] body = new UnaryOperator[1];
        check("checkpoint", in -> {
            body[0] = x -> F.add(x, F.mul(F.gelu(F.matmul(x, in[1])), in[2]));
            return F.checkpoint(body[0], F.checkpoint(body[0], in[0]));
        }, param(20, 3, 4), param(21, 0.5f, 4, 4), param(22, 4));
    }

    @Test
    void parametersGetGradientsWhenTheInputNeedsNone() {
        Tensor x = randn(30, 2, 3, 4); // data, not a parameter
        Tensor[] p = params();
        Autograd.backward(F.sum(F.checkpoint(block(p[0], p[1]), x)));
        assertThat(x.grad()).isNull();
        assertThat(p[0].grad()).isNotNull();
        assertThat(p[1].grad()).isNotNull();
    }

    @Test
    void theForwardKeepsNoGraphInside() {
        Tensor[] p = params();
        Tensor y = F.checkpoint(block(p[0], p[1]), param(31, 2, 3, 4));
        assertThat(y.gradFn().name()).isEqualTo("ActivationCheckpoint");
        assertThat(y.gradFn().inputs()).hasSize(1); // only the block's input is kept
    }

    @Test
    void underNoGradItIsJustTheBody() {
        Tensor[] p = params();
        try (NoGrad g = NoGrad.enter()) {
            assertThat(F.checkpoint(block(p[0], p[1]), param(32, 2, 3, 4)).requiresGrad()).isFalse();
        }
    }
}
