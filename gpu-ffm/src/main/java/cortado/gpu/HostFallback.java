package cortado.gpu;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
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

    /** A host copy of device tensor {@code t} (null stays null). */
    Tensor host(Tensor t) { return t == null ? null : CPU.transfer(t); }

    /** A device copy of host result {@code h} (null stays null). */
    Tensor device(Tensor h) { return h == null ? null : cuda.transfer(h); }

    /** Device {@code dst} = host {@code h}: a tensor the CPU kernel updated in place. */
    void back(Tensor dst, Tensor h) {
        if (dst != null) cuda.copyFromHost(dst, CPU.toArray(h), 0);
    }
}
