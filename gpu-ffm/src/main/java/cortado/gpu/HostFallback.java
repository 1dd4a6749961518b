package cortado.gpu;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;

/**
 * The operations the CUDA backend has no kernel for yet run on the CPU backend through host copies: device inputs
 * are copied to the host, the CPU kernel runs, results (and tensors updated in place) are copied back. Exact CPU
 * results, at the price of the transfers; which operations take this road is listed in {@link CudaBackend}.
 */
final class HostFallback {
    static final Backend CPU = Backends.cpu();
    private final CudaBackend cuda;

    HostFallback(CudaBackend cuda) { this.cuda = cuda; }

    /** A frozen weight of the CUDA backend held as the CPU backend's packed matrix (its products run on the host). */
    record HostWeight(QuantizedWeight cpu, Backend backend) implements QuantizedWeight {
        @Override public int rows() { return cpu.rows(); }

        @Override public int cols() { return cpu.cols(); }
    }

    /** A host copy of device tensor {@code t} (null stays null). */
    Tensor host(Tensor t) { return t == null ? null : CPU.transfer(t); }

    /** A host rope table (a device one is copied; models build theirs on the host already). */
    RopeTable host(RopeTable table) {
        if (table.cos().backend() == CPU && table.sin().backend() == CPU) return table;
        return new RopeTable(CPU.transfer(table.cos()), CPU.transfer(table.sin()));
    }

    /** A device copy of host result {@code h} (null stays null). */
    Tensor device(Tensor h) { return h == null ? null : cuda.transfer(h); }

    /** Device {@code dst} = host {@code h}: a tensor the CPU kernel updated in place. */
    void back(Tensor dst, Tensor h) {
        if (dst != null) cuda.copyFromHost(dst, CPU.toArray(h), 0);
    }

    QuantizedWeight weight(QuantizedWeight cpu) { return new HostWeight(cpu, cuda); }

    QuantizedWeight cpu(String op, QuantizedWeight w) {
        if (w instanceof HostWeight h && h.backend() == cuda) return h.cpu();
        throw new IllegalArgumentException(op + ": the quantized weight lives on " + w.backend().name()
                + " but the operation runs on " + cuda.name() + "; make it with this backend");
    }
}
