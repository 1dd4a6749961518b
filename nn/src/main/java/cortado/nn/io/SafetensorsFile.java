package cortado.nn.io;

import cortado.nn.io.SafetensorsHeader.TensorInfo;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * An open, memory-mapped safetensors file whose header has been validated (see {@link SafetensorsHeader}). Tensor
 * bytes stay in the mapping until {@link #toFloatTensor} copies and converts one into ordinary memory: compute never
 * reads from the mapped file (page faults and the missing alignment made it several times slower). Closing unmaps
 * the file; segments obtained from {@link #bytes} are invalid afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafetensorsHeader header;

    SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
    }

    public Path path() { return path; }

    /** Tensor names in header order. */
    public Set<String> names() { return header.tensors().keySet(); }

    public boolean contains(String name) { return header.tensors().containsKey(name); }

    /** Name, dtype, shape and byte range of one tensor. */
    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) throw CheckpointException.at(path, "no tensor '" + name + "'");
        return t;
    }

    public Map<String, TensorInfo> tensors() { return header.tensors(); }

    /** The {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() { return header.metadata(); }

    public SafetensorsDtype dtype(String name) { return info(name).dtype(); }

    public int[] shape(String name) { return info(name).shape().clone(); }

    /** The raw little-endian bytes of one tensor, a slice of the mapping (valid until {@link #close}). */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize());
    }

    /** Copies one tensor into a new float32 tensor in host memory (the CPU backend), converting from its stored dtype. */
    public Tensor toFloatTensor(String name) {
        TensorInfo t = info(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw CheckpointException.at(path, "tensor '" + name + "' has " + n + " elements, more than a Cortado tensor holds");
        float[] out = new float[(int) n];
        t.dtype().toFloats(data, t.begin(), out, (int) n);
        return Backends.cpu().fromArray(out, t.shape().clone());
    }

    /**
     * Converts one tensor into {@code dst[offset .. offset + numel)}, e.g. straight into a parameter's storage, so that
     * loading a model needs no second copy of its weights.
     */
    public void readInto(String name, float[] dst, int offset) {
        TensorInfo t = info(name);
        long n = t.numel();
        if (offset < 0 || n > dst.length - (long) offset)
            throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements; destination holds "
                    + (dst.length - offset) + " from offset " + offset);
        if (offset == 0) t.dtype().toFloats(data, t.begin(), dst, (int) n);
        else {
            float[] tmp = new float[(int) n];
            t.dtype().toFloats(data, t.begin(), tmp, (int) n);
            System.arraycopy(tmp, 0, dst, offset, (int) n);
        }
    }

    @Override
    public void close() { arena.close(); }

    @Override
    public String toString() { return "SafetensorsFile(" + path + ", " + header.tensors().size() + " tensors)"; }
}
