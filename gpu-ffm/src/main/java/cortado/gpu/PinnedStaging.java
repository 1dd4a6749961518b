package cortado.gpu;

import cortado.gpu.ffm.CudaRuntime;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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

    /** Device floats at {@code dst} = {@code src[off, off + n)}. */
    synchronized void upload(float[] src, int off, int n, long dst) {
        device.makeCurrent();
        MemorySegment buf = buffer();
        long chunk = bytes / Float.BYTES;
        for (long done = 0; done < n; done += chunk) {
            int len = (int) Math.min(chunk, n - done);
            MemorySegment.copy(src, (int) (off + done), buf, ValueLayout.JAVA_FLOAT, 0, len);
            device.runtime.memcpyAsync(dst + done * Float.BYTES, buf.address(), (long) len * Float.BYTES,
                    CudaRuntime.HOST_TO_DEVICE, device.stream);
            device.synchronize("a host-to-device copy");
        }
    }

    /** {@code dst[off, off + n)} = device floats at {@code src}. */
    synchronized void download(long src, float[] dst, int off, int n) {
        device.makeCurrent();
        MemorySegment buf = buffer();
        long chunk = bytes / Float.BYTES;
        for (long done = 0; done < n; done += chunk) {
            int len = (int) Math.min(chunk, n - done);
            device.runtime.memcpyAsync(buf.address(), src + done * Float.BYTES, (long) len * Float.BYTES,
                    CudaRuntime.DEVICE_TO_HOST, device.stream);
            device.synchronize("a device-to-host copy");
            MemorySegment.copy(buf, ValueLayout.JAVA_FLOAT, 0, dst, (int) (off + done), len);
        }
    }

    /** Device ints at {@code dst} = {@code src} (token ids, targets). */
    synchronized void uploadInts(int[] src, long dst) {
        device.makeCurrent();
        MemorySegment buf = buffer();
        long chunk = bytes / Integer.BYTES;
        for (long done = 0; done < src.length; done += chunk) {
            int len = (int) Math.min(chunk, src.length - done);
            MemorySegment.copy(src, (int) done, buf, ValueLayout.JAVA_INT, 0, len);
            device.runtime.memcpyAsync(dst + done * Integer.BYTES, buf.address(), (long) len * Integer.BYTES,
                    CudaRuntime.HOST_TO_DEVICE, device.stream);
            device.synchronize("a host-to-device copy");
        }
    }

    /** {@code n} doubles from the device (reduction partials). */
    synchronized double[] downloadDoubles(long src, int n) {
        if ((long) n * Double.BYTES > bytes) throw new IllegalArgumentException(n + " doubles exceed the staging buffer");
        device.makeCurrent();
        MemorySegment buf = buffer();
        device.runtime.memcpyAsync(buf.address(), src, (long) n * Double.BYTES, CudaRuntime.DEVICE_TO_HOST, device.stream);
        device.synchronize("a device-to-host copy");
        return buf.asSlice(0, (long) n * Double.BYTES).toArray(ValueLayout.JAVA_DOUBLE);
    }
}
