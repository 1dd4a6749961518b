package cortado.tensor;

/**
 * A scope in which zero-filled CPU tensors get their memory on first use instead of at creation (PyTorch builds a
 * model on the "meta" device for the same reason). A loader builds the model's architecture inside it, then replaces
 * the layers whose weights stay in 16 bits or 4 bits: the fp32 zeros of the layers it replaced are never allocated,
 * so loading a 1B-parameter bf16 model never holds its 5 GB of fp32 weights, not even briefly.
 *
 * <p>Only storages made outside a {@link StepArena} on the calling thread are deferred. A deferred storage
 * allocates its zeros on the first {@code array()} call (once, even when threads race to it); a loader writes every
 * tensor it keeps anyway, so nothing is left deferred once a model is loaded.
 *
 * <pre>
 * try (DeferredZeros d = DeferredZeros.enter()) { model = Models.forLoading(config); }
 * </pre>
 */
public final class DeferredZeros implements AutoCloseable {
    private static final ThreadLocal<DeferredZeros> CURRENT = new ThreadLocal<>();
    private final DeferredZeros previous;

    private DeferredZeros(DeferredZeros previous) { this.previous = previous; }

    public static DeferredZeros enter() {
        DeferredZeros d = new DeferredZeros(CURRENT.get());
        CURRENT.set(d);
        return d;
    }

    /** Whether zero-filled storages created now on this thread are deferred. */
    static boolean active() { return CURRENT.get() != null; }

    @Override
    public void close() {
        if (previous == null) CURRENT.remove();
        else CURRENT.set(previous);
    }
}
