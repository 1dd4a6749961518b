package cortado.tensor;

import cortado.tensor.cpu.CpuBackend;
import cortado.tensor.offheap.OffHeapBackend;

/** Where the backends are found. The CPU backend always exists; GPU backends register through ServiceLoader. */
public final class Backends {
    private static final Backend CPU = new CpuBackend();
    private static final Backend OFF_HEAP = new OffHeapBackend();

    private Backends() {}

    /** The CPU backend over heap arrays: the default, where {@code Tensor.zeros/of} and checkpoints put tensors. */
    public static Backend cpu() { return CPU; }

    /** The CPU backend over native memory, indexed by long (tensors beyond 2^31 elements); see {@link OffHeapStorage}. */
    public static Backend offHeap() { return OFF_HEAP; }

    /** A backend by its {@link Backend#name}: "cpu" or "offheap". */
    public static Backend named(String name) {
        return switch (name) {
            case "cpu" -> CPU;
            case "offheap" -> OFF_HEAP;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (known: cpu, offheap)");
        };
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
