package cortado.autograd;

import cortado.tensor.GradFn;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"; PyTorch's
 * {@code torch.utils.checkpoint}): the forward pass runs {@code body} without recording and keeps only its input; the
 * backward pass runs {@code body} again with recording on and backpropagates through that fresh graph. Memory for a
 * stack of L checkpointed blocks is L inputs plus one block's activations, for the price of a second forward.
 *
 * <p>The body must compute the same function both times: it may read parameters (their gradients accumulate as usual)
 * but no random state (there is no dropout in Cortado; a body that drew random numbers would need its generator state
 * saved and restored, as PyTorch's {@code preserve_rng_state} does). Inside a {@link StepArena} each pass runs in a
 * nested arena, so the recomputed activations go back to the pool as soon as the block is done.
 */
final class ActivationCheckpoint implements GradFn {
    private final UnaryOperator<Tensor> body;
    private final Tensor x;

    private ActivationCheckpoint(UnaryOperator<Tensor> body, Tensor x) {
        this.body = body;
        this.x = x;
    }

    static Tensor apply(UnaryOperator<Tensor> body, Tensor x) {
        // Parameters inside the body need gradients even when x does not, so grad mode alone decides.
        if (NoGrad.active()) return body.apply(x);
        Tensor y;
        StepArena outer = StepArena.current();
        try (NoGrad g = NoGrad.enter(); StepArena inner = outer == null ? null : StepArena.open()) {
            y = body.apply(x.detach());
            if (y.storage() == x.storage()) y = y.backend().copy(y); // the node needs an output of its own
            if (inner != null) inner.handOver(y);
        }
        return Autograd.record(y, new ActivationCheckpoint(body, x));
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        if (NoGrad.active())
            throw new IllegalStateException("checkpointed activations are recomputed during backward, which needs"
                    + " grad mode: call Autograd.backward outside NoGrad");
        StepArena outer = StepArena.current();
        try (StepArena inner = outer == null ? null : StepArena.open()) {
            Tensor in = x.detach().requiresGrad(x.requiresGrad());
            Tensor y = body.apply(in);
            if (!y.requiresGrad()) return new Tensor[] {null}; // nothing inside needs a gradient
            Autograd.backward(y, g);
            return new Tensor[] {in.grad()}; // a leaf gradient: kept for the step by Autograd, so it survives inner
        }
    }

    @Override public String name() { return "ActivationCheckpoint"; }
}
