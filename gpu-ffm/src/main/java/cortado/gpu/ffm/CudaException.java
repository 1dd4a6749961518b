package cortado.gpu.ffm;

/**
 * A CUDA, cuBLAS or NVRTC call that returned an error status: the message names the call, the status's number and
 * its name and description as the library gives them (e.g. "cuModuleLoadData: status 218 CUDA_ERROR_INVALID_PTX
 * (a PTX JIT compilation failed)").
 */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int status;

    public CudaException(String call, int status, String statusText) {
        super(call + ": status " + status + " " + statusText);
        this.call = call;
        this.status = status;
    }

    /** The C function that failed. */
    public String call() { return call; }

    /** Its numeric status. */
    public int status() { return status; }
}
