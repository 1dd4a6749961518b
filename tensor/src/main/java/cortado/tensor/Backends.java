package cortado.tensor;

import cortado.tensor.cpu.CpuBackend;

/** Where the backends are found. The CPU backend always exists; GPU backends register through ServiceLoader. */
public final class Backends {
    private static final Backend CPU = new CpuBackend();

    private Backends() {}

    public static Backend cpu() { return CPU; }

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
