package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.StepArena;
import cortado.tensor.Storage;
import cortado.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * Reverse-mode differentiation over the graph that {@link F} records while the forward pass runs (define-by-run).
 *
 * <p>A tensor with a {@link GradFn} is an interior node; a tensor that requires grad and has none is a leaf (a
 * parameter). {@link #backward(Tensor)} orders the interior nodes topologically (iteratively: a GPT-2 124M step has
 * thousands of nodes, too deep for recursion), then walks them from the loss down, calling each op's backward once all
 * gradients flowing into its output have been summed. Gradients of leaves are added into {@code .grad()}, so several
 * backward calls accumulate (gradient accumulation over micro-batches); the optimizer or trainer zeroes them.
 *
 * <p>Memory: an interior gradient is dropped as soon as its op has consumed it, and each op's record (its inputs and
 * saved tensors) is dropped right after its backward ran, so activations are returned while the pass proceeds. The
 * graph can therefore be walked only once; a second backward through it fails with a clear message.
 *
 * <p>Inside a {@link StepArena} (a training step) the buffers themselves go back to the arena's pool at those moments,
 * so the gradients computed later in the pass reuse the activations' memory; outside one, the collector reclaims them.
 *
 * <p>Contract for {@link GradFn#backward}: each returned gradient has its input's shape and is either a new tensor or a
 * view of the incoming gradient. New tensors are taken over without a copy (they become {@code .grad()} or are summed
 * into in place); views are never written to.
 */
public final class Autograd {
    private Autograd() {}

    // ---- recording (used by the op files) ----

    /** True when grad mode is on and at least one of {@code inputs} requires grad. */
    static boolean shouldRecord(Tensor... inputs) {
        if (NoGrad.active()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Marks {@code out} as produced by {@code fn}. */
    static Tensor record(Tensor out, GradFn fn) {
        out.requiresGrad(true);
        out.setGradFn(fn);
        return out;
    }

    // ---- backward ----

    /** Backpropagates from a scalar (one-element) loss: dL/dL = 1. */
    public static void backward(Tensor loss) {
        if (loss.numel() != 1)
            throw new IllegalArgumentException("backward(loss) needs a one-element loss, got " + loss
                    + "; pass the output gradient with backward(output, gradOutput)");
        Tensor seed = loss.zerosLike();
        seed.backend().fillInPlace(seed, 1f);
        backward(loss, seed);
    }

    /** Backpropagates {@code gradOutput} = dL/d(output) through the graph that produced {@code output}. */
    public static void backward(Tensor output, Tensor gradOutput) {
        if (!output.requiresGrad())
            throw new IllegalArgumentException("backward of " + output + ", which does not require grad: no input"
                    + " required grad, or it was computed inside NoGrad");
        if (!output.sameShape(gradOutput))
            throw new IllegalArgumentException("gradient " + gradOutput + " does not match output " + output);
        if (output.gradFn() == null) { // the output is itself a leaf
            accumulateLeaf(output, gradOutput, false);
            return;
        }
        List<Tensor> order = topologicalOrder(output);
        IdentityHashMap<Tensor, PendingGrad> pending = new IdentityHashMap<>();
        pending.put(output, new PendingGrad(gradOutput, false));
        StepArena arena = StepArena.current();
        ActivationRelease activations = arena == null ? null : new ActivationRelease(arena, order, output);

        // order lists inputs before the ops that consume them; walk it from the output back.
        for (int n = order.size() - 1; n >= 0; n--) {
            Tensor node = order.get(n);
            order.set(n, null);
            GradFn fn = node.gradFn();
            node.setGradFn(new Released(fn.name())); // drops inputs and saved tensors once this op is done
            PendingGrad pg = pending.remove(node);
            if (pg != null) {
                Tensor[] inputs = fn.inputs();
                Tensor gradOut = pg.grad;
                Tensor[] grads = fn.backward(gradOut);
                if (grads.length != inputs.length)
                    throw new IllegalStateException(fn.name() + ".backward returned " + grads.length
                            + " gradients for " + inputs.length + " inputs");
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i], g = grads[i];
                    if (in == null || g == null || !in.requiresGrad()) continue;
                    if (!in.sameShape(g))
                        throw new IllegalStateException(fn.name() + ".backward returned a gradient of shape "
                                + Arrays.toString(g.shape()) + " for input " + i + " of shape "
                                + Arrays.toString(in.shape()));
                    boolean fresh = isFresh(g, gradOut, grads, i);
                    if (in.gradFn() == null) accumulateLeaf(in, g, fresh);
                    else accumulatePending(pending, in, g, fresh);
                }
                // A gradient we own and that no returned gradient views has been consumed: its buffer is free.
                if (pg.owned && !sharesStorage(grads, gradOut)) releaseNow(gradOut);
            }
            if (activations != null) activations.done(node);
        }
    }

    private static boolean sharesStorage(Tensor[] grads, Tensor t) {
        for (Tensor g : grads) if (g != null && g.storage() == t.storage()) return true;
        return false;
    }

    /**
     * Inside a {@link StepArena}: gives an activation's buffer back as soon as every graph node whose output lives in
     * it has run its backward. The last of those to run is the op that made the buffer (views of it come later in the
     * forward pass, so earlier in backward), and every op that saved a view of it consumed one of those outputs, so
     * it ran before too. Buffers that a leaf, a detached input or the loss itself holds are never released here.
     */
    private static final class ActivationRelease {
        private final StepArena arena;
        private final IdentityHashMap<Storage, int[]> remaining = new IdentityHashMap<>();

        ActivationRelease(StepArena arena, List<Tensor> order, Tensor root) {
            this.arena = arena;
            for (Tensor node : order) {
                if (arena.owns(node.storage())) remaining.computeIfAbsent(node.storage(), k -> new int[1])[0]++;
                for (Tensor in : node.gradFn().inputs())
                    if (in != null && (in.gradFn() == null || !in.requiresGrad())) pin(in.storage());
            }
            pin(root.storage());
        }

        private void pin(Storage s) {
            if (arena.owns(s)) remaining.computeIfAbsent(s, k -> new int[1])[0] = Integer.MIN_VALUE / 2;
        }

        void done(Tensor node) {
            int[] left = remaining.get(node.storage());
            if (left != null && --left[0] == 0) {
                remaining.remove(node.storage());
                arena.release(node.storage());
            }
        }
    }

    /** Iterative depth-first post-order over interior nodes that require grad, starting at {@code root}. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        seen.put(root, Boolean.TRUE);
        stack.push(new Frame(root));
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (f.next < f.inputs.length) {
                Tensor in = f.inputs[f.next++];
                if (in != null && in.requiresGrad() && in.gradFn() != null && seen.put(in, Boolean.TRUE) == null)
                    stack.push(new Frame(in));
            } else {
                stack.pop();
                order.add(f.node);
            }
        }
        return order;
    }

    private static final class Frame {
        final Tensor node;
        final Tensor[] inputs;
        int next;

        Frame(Tensor node) {
            this.node = node;
            this.inputs = node.gradFn().inputs();
        }
    }

    /** A gradient for an interior node, and whether we own its memory (may sum into it in place). */
    private static final class PendingGrad {
        Tensor grad;
        boolean owned;

        PendingGrad(Tensor grad, boolean owned) {
            this.grad = grad;
            this.owned = owned;
        }
    }

    /** A new tensor of its own: not a view of the incoming gradient nor sharing memory with a sibling gradient. */
    private static boolean isFresh(Tensor g, Tensor gradOut, Tensor[] grads, int i) {
        if (g.storage() == gradOut.storage()) return false;
        for (int j = 0; j < grads.length; j++)
            if (j != i && grads[j] != null && grads[j].storage() == g.storage()) return false;
        return true;
    }

    private static void accumulatePending(IdentityHashMap<Tensor, PendingGrad> pending, Tensor in, Tensor g,
                                          boolean fresh) {
        PendingGrad pg = pending.get(in);
        if (pg == null) {
            pending.put(in, new PendingGrad(g, fresh));
            return;
        }
        if (pg.owned) g.backend().axpyInPlace(pg.grad, 1f, g);
        else { // the first gradient may be shared: sum into a new tensor instead of writing into it
            pg.grad = g.backend().add(pg.grad, g);
            pg.owned = true;
        }
        if (fresh) releaseNow(g); // summed in: nobody else holds it
    }

    /** Inside a step arena, gives a consumed tensor's buffer back at once (outside one the collector does). */
    static void releaseNow(Tensor t) {
        StepArena arena = StepArena.current();
        if (arena != null) arena.release(t.storage());
    }

    private static void accumulateLeaf(Tensor leaf, Tensor g, boolean fresh) {
        Tensor cur = leaf.grad();
        Backend be = g.backend();
        if (cur == null) {
            boolean adopt = fresh && g.isContiguous() && g.offset() == 0 && g.storage().length() == g.numel();
            leaf.setGrad(adopt ? g : be.copy(g));
            StepArena.keepForStep(leaf.grad()); // made in a recomputation's nested arena: it lives until the step ends
        } else {
            if (!cur.sameShape(g))
                throw new IllegalStateException("accumulated gradient " + cur + " does not match new gradient " + g);
            be.axpyInPlace(cur, 1f, g);
            if (fresh) releaseNow(g);
        }
    }

    /** What an interior node points at after its backward ran: its inputs and saved tensors are gone. */
    private record Released(String op) implements GradFn {
        @Override public Tensor[] inputs() { throw freed(); }

        @Override public Tensor[] backward(Tensor gradOutput) { throw freed(); }

        @Override public String name() { return op + "(released)"; }

        private IllegalStateException freed() {
            return new IllegalStateException("backward through the graph a second time: the saved tensors of " + op
                    + " were freed by the first backward; run the forward pass again");
        }
    }
}
