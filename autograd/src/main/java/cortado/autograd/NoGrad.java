package cortado.autograd;

/**
 * A scope in which no operation is recorded on the autograd tape: inference, evaluation, optimizer updates.
 *
 * <pre>{@code
 * try (NoGrad g = NoGrad.enter()) {
 *     Tensor logits = model.forward(ids, 1, t);   // no graph, no saved tensors
 * }
 * }</pre>
 *
 * <p>The scope is <b>thread-local</b> (as PyTorch's grad mode is): entering it on one thread does not stop another thread
 * from recording. Scopes nest; recording resumes when the outermost one closes. Kernels running on the
 * {@link cortado.tensor.Parallel} pool never record, so they do not care.
 */
public final class NoGrad implements AutoCloseable {
    /** Nesting depth of the current thread; an int[] so close() can find the depth of the thread that entered. */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final int[] depth;
    private boolean closed;

    private NoGrad(int[] depth) { this.depth = depth; }

    /** Enters a no-grad scope on the current thread; close it (try-with-resources) to leave. */
    public static NoGrad enter() {
        int[] d = DEPTH.get();
        d[0]++;
        return new NoGrad(d);
    }

    /** True while the current thread is inside at least one no-grad scope. */
    public static boolean active() { return DEPTH.get()[0] > 0; }

    /** Leaves the scope; closing twice is harmless. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        depth[0]--;
    }
}
