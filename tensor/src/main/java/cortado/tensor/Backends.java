package cortado.tensor;

import cortado.tensor.cpu.CpuBackend;
import cortado.tensor.offheap.OffHeapBackend;
import java.util.ServiceLoader;

/** Where the backends are found. The CPU backend always exists; GPU backends register through ServiceLoader. */
public final class Backends {
    private static final Backend CPU = new CpuBackend();
    private static final Backend OFF_HEAP = new OffHeapBackend();

    private Backends() {}

    /** The CPU backend over heap arrays: the default, where {@code Tensor.zeros/of} and checkpoints put tensors. */
    public static Backend cpu() { return CPU; }

    /** The CPU backend over native memory, indexed by long (tensors beyond 2^31 elements); see {@link OffHeapStorage}. */
    public static Backend offHeap() { return OFF_HEAP; }

    /**
     * A backend by its {@link Backend#name}: "cpu", "offheap", or one a {@link BackendProvider} on the class path
     * offers ("cuda" with module gpu-ffm); a provider that cannot run here fails with its reason.
     */
    public static Backend named(String name) {
        switch (name) {
            case "cpu": return CPU;
            case "offheap": return OFF_HEAP;
            default: break;
        }
        StringBuilder known = new StringBuilder("cpu, offheap");
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (!p.name().equals(name)) {
                known.append(", ").append(p.name());
                continue;
            }
            String reason = p.unavailableReason();
            if (reason != null) throw new IllegalStateException("backend '" + name + "' cannot run here: " + reason);
            return p.backend();
        }
        throw new IllegalArgumentException("unknown backend '" + name + "' (known: " + known + ")");
    }

    /**
     * Checks that every non-null tensor given to operation {@code op} lives on {@code backend}; mixing backends in one
     * operation is an error that names both (move a tensor with {@link Tensor#to}).
     */
    public static void requireOn(Backend backend, String op, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t == null || t.backend() == backend) continue;
            throw new IllegalArgumentException(op + ": " + t + " lives on " + t.backend().name() + " but the operation runs on "
                    + backend.name() + "; move it with Tensor.to(Backend) first");
        }
    }
}
