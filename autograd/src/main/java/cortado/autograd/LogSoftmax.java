package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/** Log-softmax over the last dimension. Backward: dx = dy - exp(y) sum(dy), from the saved output. */
final class LogSoftmax implements GradFn {
    private final Tensor x, y;

    private LogSoftmax(Tensor x, Tensor y) {
        this.x = x;
        this.y = y;
    }

    static Tensor apply(Tensor x) {
        Tensor out = x.backend().logSoftmax(x);
        if (Autograd.shouldRecord(x)) Autograd.record(out, new LogSoftmax(x, out.detach()));
        return out;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override public Tensor[] backward(Tensor g) { return new Tensor[] {g.backend().logSoftmaxBackward(g, y)}; }
}
