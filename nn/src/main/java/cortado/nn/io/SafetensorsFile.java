package cortado.nn.io;

import cortado.nn.io.SafetensorsHeader.TensorInfo;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.lang.foreign.Arena;
import cortado.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * An open, memory-mapped safetensors file whose header has been validated (see {@link SafetensorsHeader}). Tensors
 * are copied and converted into ordinary memory ({@link #toFloatTensor}, {@link #readInto}, {@link #read16}) by
 * positional reads, not through the mapping, whose touched pages would count in the resident set a second time;
 * compute never reads from the mapped file (page faults and the missing alignment made it several times slower).
 * {@link #bytes} lends a slice of the mapping; closing unmaps the file, and such slices are invalid afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final long dataStart; // file offset of the first tensor byte
    private final SafetensorsHeader header;

    SafetensorsFile(Path path, Arena arena, MemorySegment data, long dataStart, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.dataStart = dataStart;
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
        readInto(name, out, 0);
        return Backends.cpu().fromArray(out, t.shape().clone());
    }

    /**
     * Converts one tensor into {@code dst[offset .. offset + numel)}, e.g. straight into a parameter's storage, so that
     * loading a model needs no second copy of its weights. Read as {@link #read16} reads, not through the mapping: mapped
     * file pages count in the process's resident set, and an fp32 Llama 3.2 1B peaked at twice its weights so.
     */
    public void readInto(String name, float[] dst, int offset) {
        TensorInfo t = info(name);
        long n = t.numel();
        if (offset < 0 || n > dst.length - (long) offset)
            throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements; destination holds "
                    + (dst.length - offset) + " from offset " + offset);
        SafetensorsDtype st = t.dtype();
        readChunks(name, t, (buf, count, done) -> st.toFloats(MemorySegment.ofBuffer(buf), 0, dst, offset + done, count));
    }

    /**
     * One tensor as 16-bit values of {@code target} (BF16 or F16): the stored bits unchanged when the file holds that
     * dtype, otherwise each value converted through float32 (round to nearest even). Read with positional reads
     * through a 1 MiB buffer rather than through the mapping, so a 16-bit model loads with its weights resident once
     * (in the returned arrays) and not a second time as mapped file pages.
     */
    public short[] read16(String name, DType target) {
        if (target != DType.BF16 && target != DType.F16)
            throw new IllegalArgumentException("read16 gives BF16 or F16 values, not " + target);
        TensorInfo t = info(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw CheckpointException.at(path, "tensor '" + name + "' has " + n + " elements, more than a Cortado tensor holds");
        short[] out = new short[(int) n];
        SafetensorsDtype st = t.dtype();
        boolean same = st.dtype() == target;
        float[] floats = same ? null : new float[READ_CHUNK_BYTES / st.byteSize()];
        readChunks(name, t, (buf, count, done) -> {
            if (same) buf.asShortBuffer().get(out, done, count);
            else {
                st.toFloats(MemorySegment.ofBuffer(buf), 0, floats, count);
                for (int i = 0; i < count; i++)
                    out[done + i] = target == DType.BF16 ? DType.f32ToBf16(floats[i]) : DType.f32ToF16(floats[i]);
            }
        });
        return out;
    }

    /** What {@link #readChunks} hands on: {@code count} elements in {@code buf}, the first being element {@code done}. */
    private interface Chunk { void accept(ByteBuffer buf, int count, int done); }

    /** Bytes read per system call by {@link #readChunks}. */
    private static final int READ_CHUNK_BYTES = 1 << 20;

    /** Tensor {@code t}'s bytes in order, by positional reads through one buffer of at most READ_CHUNK_BYTES. */
    private void readChunks(String name, TensorInfo t, Chunk sink) {
        long n = t.numel();
        int size = t.dtype().byteSize();
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(READ_CHUNK_BYTES / size, Math.max(1, n)) * size)
                .order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long pos = dataStart + t.begin();
            int done = 0;
            while (done < n) {
                int count = (int) Math.min(buf.capacity() / size, n - done);
                buf.clear().limit(count * size);
                while (buf.hasRemaining())
                    if (ch.read(buf, pos + buf.position()) < 0)
                        throw CheckpointException.at(path, "tensor '" + name + "' ends past the end of the file");
                buf.flip();
                sink.accept(buf, count, done);
                done += count;
                pos += (long) count * size;
            }
        } catch (IOException e) {
            throw CheckpointException.at(path, "cannot read tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void close() { arena.close(); }

    @Override
    public String toString() { return "SafetensorsFile(" + path + ", " + header.tensors().size() + " tensors)"; }
}
