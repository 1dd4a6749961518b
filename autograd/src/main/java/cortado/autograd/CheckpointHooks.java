package cortado.autograd;

/**
 * What runs around each pass of a checkpointed body ({@link F#checkpoint(java.util.function.UnaryOperator,
 * cortado.tensor.Tensor, CheckpointHooks)}): ZeRO-3 gathers a block's sharded parameters before each pass, frees them
 * after the forward, and reduce-scatters their gradients and frees them again after the backward.
 */
public interface CheckpointHooks {
    /** Before the body runs: in the forward and again before its recomputation during backward. */
    void beforePass();

    /** After the forward's run of the body (its output made, nothing recorded). */
    void afterForward();

    /** After backpropagation through the recomputed body: the gradients of its parameters are complete. */
    void afterBackward();
}
