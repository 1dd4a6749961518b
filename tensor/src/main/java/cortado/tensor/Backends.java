package cortado.tensor;

import cortado.tensor.cpu.CpuBackend;

/** Where the backends are found. The CPU backend always exists; GPU backends register through ServiceLoader. */
public final class Backends {
    private static final Backend CPU = new CpuBackend();

    private Backends() {}

    public static Backend cpu() { return CPU; }
}
