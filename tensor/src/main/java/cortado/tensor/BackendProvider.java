package cortado.tensor;

/**
 * A backend found at run time through {@link java.util.ServiceLoader} (a jar on the class path that lists its provider
 * in {@code META-INF/services/cortado.tensor.BackendProvider}; the CUDA backend of module gpu-ffm is one). Looking a
 * provider up never needs its device: {@link #unavailableReason} says whether it can run here.
 */
public interface BackendProvider {
    /** The backend's {@link Backend#name}, e.g. "cuda". */
    String name();

    /** Null when the backend can run on this machine, else a one-line reason (no driver, no device, ...). */
    String unavailableReason();

    /** The backend; only called when {@link #unavailableReason} is null. */
    Backend backend();
}
