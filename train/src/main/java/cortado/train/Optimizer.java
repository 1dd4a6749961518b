package cortado.train;

import cortado.nn.Parameter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link Trainer} needs of an optimizer: one update from the gradients, the memory its state takes, and saving and
 * restoring that state so a resumed run continues the same one. The implementations are {@link AdamW} and its
 * bitsandbytes-style variants (paged and/or 8-bit state), {@link Sgd}, {@link Lamb}, {@link Lion} and
 * {@link Adafactor}, chosen by {@link OptimizerKind}.
 */
public interface Optimizer extends AutoCloseable {
    /**
     * One update at learning rate {@code lr}, every gradient read as grad * gradScale (a clip from
     * {@link GradClip#measure}). Parameters without a gradient are left alone.
     */
    void step(float lr, float gradScale);

    /** Drops every gradient (PyTorch's zero_grad(set_to_none=True)). */
    void zeroGrad();

    /** The trainable parameters this optimizer updates, by name. */
    Map<String, Parameter> parameters();

    default List<Parameter> parameterList() { return List.copyOf(parameters().values()); }

    /** Number of updates taken so far (the bias-correction step of the last update). */
    int stepCount();

    /** The name {@link OptimizerKind#parse} knows this optimizer by ("adamw", "paged-adamw", ...). */
    String kind();

    /** Bytes of optimizer state held in process memory now (moments, quantization scales, page frames). */
    long stateBytesResident();

    /** Bytes of optimizer state in all, resident or spilled. */
    long stateBytesTotal();

    /** Writes the state (step counter included) to a safetensors file; {@link #loadState} reads it back. */
    void saveState(Path file);

    /**
     * Restores state written by {@link #saveState} of an optimizer of the same kind over the same parameters; a file
     * of another kind, or a tensor that does not fit its parameter, is an error naming the file and the tensor.
     */
    void loadState(Path file);

    /** Frees what the state holds outside the Java heap (page frames, spill files). Idempotent. */
    @Override
    default void close() {}
}
