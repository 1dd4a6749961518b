package cortado.autograd;

import static cortado.autograd.Inputs.*;
import static org.assertj.core.api.Assertions.*;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicBoolean;

/** The engine itself: accumulation, NoGrad, shared subgraphs, freeing, deep graphs, and that GradCheck can fail. */
class AutogradTest {
    private static float[] values(Tensor t) { return t.toArray(); }

    @Test
    void gradientsAccumulateOverTwoBackwardCalls() {
        Tensor x = param(1, 2, 3);
        float[] xv = values(x);
        Autograd.backward(F.sum(F.mul(x, x)));          // d/dx sum(x^2) = 2x
        Autograd.backward(F.sum(F.scale(x, 3f)));       // + 3
        float[] g = values(x.grad());
        for (int i = 0; i < g.length; i++) assertThat(g[i]).isCloseTo(2 * xv[i] + 3, within(1e-5f));
    }

    @Test
    void leafGradientsDoNotShareMemory() {
        Tensor x = param(2, 4), y = param(3, 4);
        Autograd.backward(F.sum(F.add(x, y)));           // Add hands the same dy to both inputs
        assertThat(x.grad().storage()).isNotSameAs(y.grad().storage());
        Autograd.backward(F.sum(F.add(x, y)));
        assertThat(values(x.grad())).containsOnly(2f);
        assertThat(values(y.grad())).containsOnly(2f);
    }

    @Test
    void tensorUsedTwice() {
        // h = tanh(x) feeds three uses: out = h*h + h, so dout/dx = (2h + 1)(1 - h^2)
        Tensor x = param(4, 3, 2);
        Tensor h = F.tanh(x);
        Autograd.backward(F.sum(F.add(F.mul(h, h), h)));
        float[] xv = values(x), g = values(x.grad());
        for (int i = 0; i < g.length; i++) {
            double t = Math.tanh(xv[i]);
            assertThat((double) g[i]).isCloseTo((2 * t + 1) * (1 - t * t), within(1e-5));
        }
        // a leaf used twice by one op, and an interior node whose two gradients arrive as views of one tensor
        Tensor y = param(5, 3);
        Tensor u = F.scale(y, 2f);
        Autograd.backward(F.sum(F.add(F.add(u, u), F.addScalar(u, 1f))));
        assertThat(values(y.grad())).containsOnly(6f);
        check("graph with reused tensors", in -> {
            Tensor a = F.sigmoid(in[0]);
            return F.mul(F.add(a, in[1]), F.sub(a, F.mul(in[1], in[1])));
        }, param(6, 2, 3), param(7, 2, 3));
    }

    @Test
    void noGradRecordsNothingAndNests() {
        Tensor x = param(8, 2, 2);
        try (NoGrad outer = NoGrad.enter()) {
            assertThat(NoGrad.active()).isTrue();
            try (NoGrad inner = NoGrad.enter()) {
                assertThat(F.mul(x, x).requiresGrad()).isFalse();
            }
            assertThat(NoGrad.active()).isTrue();
            Tensor y = F.exp(x);
            assertThat(y.requiresGrad()).isFalse();
            assertThat(y.gradFn()).isNull();
        }
        assertThat(NoGrad.active()).isFalse();
        assertThat(F.exp(x).gradFn()).isNotNull();
    }

    @Test
    void noGradIsThreadLocal() throws Exception {
        AtomicBoolean otherThreadSaw = new AtomicBoolean(true);
        try (NoGrad g = NoGrad.enter()) {
            Thread t = new Thread(() -> otherThreadSaw.set(NoGrad.active()));
            t.start();
            t.join();
        }
        assertThat(otherThreadSaw.get()).isFalse();
    }

    @Test
    void frozenInputsGetNoGradient() {
        Tensor x = param(9, 2, 3), w = randn(10, 4, 3);
        Autograd.backward(F.sum(F.linear(x, w, null)));
        assertThat(w.grad()).isNull();
        assertThat(x.grad()).isNotNull();
    }

    @Test
    void backwardOfAnUnrecordedResultFails() {
        Tensor x = randn(11, 3);
        assertThatThrownBy(() -> Autograd.backward(F.sum(x))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not require grad");
        Tensor p = param(12, 3);
        Tensor loss;
        try (NoGrad g = NoGrad.enter()) {
            loss = F.sum(p);
        }
        assertThatThrownBy(() -> Autograd.backward(loss)).hasMessageContaining("NoGrad");
    }

    @Test
    void secondBackwardThroughAFreedGraphFailsClearly() {
        Tensor x = param(13, 3);
        Tensor loss = F.sum(F.exp(x));
        Autograd.backward(loss);
        assertThatThrownBy(() -> Autograd.backward(loss)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("second time");
    }

    @Test
    void backwardReleasesActivations() {
        Tensor x = param(14, 64, 64);
        Tensor hidden = F.tanh(x);
        WeakReference<Tensor> ref = new WeakReference<>(hidden);
        Tensor loss = F.sum(F.mul(hidden, hidden));
        hidden = null;
        Autograd.backward(loss);
        // loss is still referenced; after backward it must no longer reach the activations
        for (int i = 0; i < 20 && ref.get() != null; i++) System.gc();
        assertThat(ref.get()).isNull();
        assertThat(loss.gradFn().name()).endsWith("(released)");
    }

    @Test
    void deepGraphNeedsNoRecursion() {
        Tensor x = param(15, 1);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = F.addScalar(y, 1e-6f);
        Autograd.backward(F.sum(y));
        assertThat(x.grad().item()).isEqualTo(1f);
    }

    /** d(x^2)/dx with a deliberately wrong backward (x instead of 2x). */
    private record BrokenSquare(Tensor x) implements GradFn {
        @Override public Tensor[] inputs() { return new Tensor[] {x}; }

        @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().mul(g, x)}; }
    }

    @Test
    void gradCheckDetectsAWrongGradient() {
        GradCheck.Result r = GradCheck.check(in -> {
            Tensor out = in[0].backend().mul(in[0], in[0]);
            if (!NoGrad.active()) Autograd.record(out, new BrokenSquare(in[0]));
            return out;
        }, param(16, 3, 2));
        assertThat(r.passed()).isFalse();
        assertThat(r.maxRelError()).isGreaterThan(0.3);
        assertThatThrownBy(r::assertPassed).isInstanceOf(AssertionError.class);
    }

    @Test
    void tiedEmbeddingAddsItsRowsIntoTheHeadsGradient() {
        // GPT-2's tie: the table is the head's weight too. The head's backward runs first and leaves a gradient, into
        // which the embedding adds only the rows of the ids; the dense path (a fresh [V, C] summed in) must agree.
        int[] ids = {3, 1, 3, 0};
        Tensor w = param(61, 5, 4);
        Autograd.backward(F.sum(F.mul(F.linear(F.tanh(F.embedding(w, ids)), w, null), param(62, 4, 5).detach())));
        float[] tied = values(w.grad());
        // Dense reference: the embedding's gradient computed alone, plus the head's.
        Tensor e = Tensor.of(values(w), 5, 4).requiresGrad(true), h = Tensor.of(values(w), 5, 4).requiresGrad(true);
        Tensor probe = param(62, 4, 5).detach();
        Autograd.backward(F.sum(F.mul(F.linear(F.tanh(F.embedding(e, ids)), h, null), probe)));
        float[] dense = values(F.add(e.grad(), h.grad()));
        for (int i = 0; i < dense.length; i++) assertThat(tied[i]).isCloseTo(dense[i], within(1e-6f));
    }
}
