package cortado.tensor;

/**
 * The operation that produced a tensor, as recorded on the autograd tape. It is declared here so that a {@link Tensor}
 * can point at its producer; the autograd module implements it, one op per file.
 */
public interface GradFn {
    /** The inputs of the op, in the order {@link #backward} returns their gradients. */
    Tensor[] inputs();

    /** Given dL/d(output), returns dL/d(input i) for every input (null where an input needs no gradient). */
    Tensor[] backward(Tensor gradOutput);

    /** Short op name for error messages and graph dumps. */
    default String name() { return getClass().getSimpleName(); }
}
