package cortado.gpu;

import cortado.gpu.ffm.CudaRuntime;
import java.lang.foreign.MemorySegment;

/**
 * Host↔device copies of Java arrays through one page-locked buffer (a heap array cannot be handed to an
 * asynchronous copy: the collector may move it, and pageable copies are slower): each chunk is copied into the pinned
 * buffer and sent, or received and copied out, with a stream synchronisation per chunk. Synchronized: one transfer at
 * a time uses the buffer.
 */
final class PinnedStaging {
    private final CudaDevice device;
    private final long bytes;
    private MemorySegment buffer; // allocated on first use

    PinnedStaging(CudaDevice device, long bytes) {
        this.device = device;
        this.bytes = bytes;
    }

    private MemorySegment buffer() {
        if (buffer == null) buffer = device.runtime.mallocHost(bytes);
        return buffer;
    }

    /** The device bytes at {@code dst} = {@code src} (a heap array's segment or a slice of one). */
    synchronized void upload(MemorySegment src, long dst) {
        device.makeCurrent();
        MemorySegment buf = buffer();
        for (long done = 0, n = src.byteSize(); done < n; done += bytes) {
            long len = Math.min(bytes, n - done);
            MemorySegment.copy(src, done, buf, 0, len);
            device.runtime.memcpyAsync(dst + done, buf.address(), len, CudaRuntime.HOST_TO_DEVICE, device.stream);
            device.synchronize("a host-to-device copy");
        }
    }

    /** {@code dst} (a heap array's segment or a slice of one) = the device bytes at {@code src}. */
    synchronized void download(long src, MemorySegment dst) {
        device.makeCurrent();
        MemorySegment buf = buffer();
        for (long done = 0, n = dst.byteSize(); done < n; done += bytes) {
            long len = Math.min(bytes, n - done);
            device.runtime.memcpyAsync(buf.address(), src + done, len, CudaRuntime.DEVICE_TO_HOST, device.stream);
            device.synchronize("a device-to-host copy");
            MemorySegment.copy(buf, 0, dst, done, len);
        }
    }

    /** Device floats at {@code dst} = {@code src[off, off + n)}. */
    void upload(float[] src, int off, int n, long dst) {
        upload(MemorySegment.ofArray(src).asSlice((long) off * Float.BYTES, (long) n * Float.BYTES), dst);
    }

    /** {@code dst[off, off + n)} = device floats at {@code src}. */
    void download(long src, float[] dst, int off, int n) {
        download(src, MemorySegment.ofArray(dst).asSlice((long) off * Float.BYTES, (long) n * Float.BYTES));
    }

    /** {@code n} doubles from the device (reduction partials). */
    double[] downloadDoubles(long src, int n) {
        double[] out = new double[n];
        download(src, MemorySegment.ofArray(out));
        return out;
    }
}
