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
    private static final CheckpointHooks NONE = new CheckpointHooks() {
        @Override public void beforePass() {}
        @Override public void afterForward() {}
        @Override public void afterBackward() {}
    };

    private final UnaryOperator<Tensor> body;
    private final Tensor x;
    private final CheckpointHooks hooks;

    private ActivationCheckpoint(UnaryOperator<Tensor> body, Tensor x, CheckpointHooks hooks) {
        this.body = body;
        this.x = x;
        this.hooks = hooks;
    }

    static Tensor apply(UnaryOperator<Tensor> body, Tensor x) { return apply(body, x, NONE); }

    static Tensor apply(UnaryOperator<Tensor> body, Tensor x, CheckpointHooks hooks) {
        // Parameters inside the body need gradients even when x does not, so grad mode alone decides.
        if (NoGrad.active()) {
            hooks.beforePass();
            Tensor y = body.apply(x);
            hooks.afterForward();
            return y;
        }
        Tensor y;
        StepArena outer = StepArena.current();
        hooks.beforePass();
        try (NoGrad g = NoGrad.enter(); StepArena inner = outer == null ? null : StepArena.open()) {
            y = body.apply(x.detach());
            if (y.storage() == x.storage()) y = y.backend().copy(y); // the node needs an output of its own
            if (inner != null) inner.handOver(y);
        }
        hooks.afterForward();
        return Autograd.record(y, new ActivationCheckpoint(body, x, hooks));
    }

    @Override public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] backward(Tensor g) {
        if (NoGrad.active())
            throw new IllegalStateException("checkpointed activations are recomputed during backward, which needs"
                    + " grad mode: call Autograd.backward outside NoGrad");
        StepArena outer = StepArena.current();
        hooks.beforePass();
        Tensor[] out;
        try (StepArena inner = outer == null ? null : StepArena.open()) {
            Tensor in = x.detach().requiresGrad(x.requiresGrad());
            Tensor y = body.apply(in);
            if (y.requiresGrad()) Autograd.backward(y, g);   // else nothing inside needs a gradient
            out = new Tensor[] {in.grad()}; // a leaf gradient: kept for the step by Autograd, so it survives inner
        }
        hooks.afterBackward();
        return out;
    }

    @Override public String name() { return "ActivationCheckpoint"; }
}
