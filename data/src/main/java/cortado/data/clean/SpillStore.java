package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An append-only store of numeric records (signatures, shingle sets) that keeps only a bounded write buffer in memory
 * and spills the rest to a temporary file, read back by positional reads. Near-duplicate verification needs the
 * signature of an earlier document only for the few candidates LSH proposes, so the operating system's page cache,
 * not the Java heap, holds the bulk. Per record the heap keeps one 8-byte offset.
 */
public final class SpillStore implements Closeable {
    private final Path dir;
    private final ByteBuffer tail;
    private long tailStart; // file offset of tail's first byte
    private long[] offsets = new long[1024]; // record i spans [offsets[i], offsets[i+1])
    private int count;
    private FileChannel file;
    private Path path;
    private ByteBuffer readBuf = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);

    /** @param dir where the spill file goes when the buffer overflows; @param bufferBytes the in-memory buffer */
    public SpillStore(Path dir, int bufferBytes) {
        this.dir = dir;
        this.tail = ByteBuffer.allocate(bufferBytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Appends a record of ints; returns its index. */
    public int add(int[] values) {
        ensure(4L * values.length);
        for (int v : values) tail.putInt(v);
        return close(4L * values.length);
    }

    /** Appends a record of longs; returns its index. */
    public int add(long[] values) {
        ensure(8L * values.length);
        for (long v : values) tail.putLong(v);
        return close(8L * values.length);
    }

    private int close(long n) {
        if (count + 2 > offsets.length) offsets = java.util.Arrays.copyOf(offsets, offsets.length * 2);
        offsets[count + 1] = offsets[count] + n;
        return count++;
    }

    private void ensure(long n) {
        if (n > tail.capacity()) throw new IllegalArgumentException("record of " + n + " bytes exceeds the buffer");
        if (tail.remaining() >= n) return;
        try {
            if (file == null) {
                path = Files.createTempFile(dir, "cortado-spill-", ".bin");
                path.toFile().deleteOnExit();
                file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            tail.flip();
            while (tail.hasRemaining()) file.write(tail, tailStart + tail.position());
            tailStart += tail.limit();
            tail.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write spill file in " + dir + ": " + e.getMessage(), e);
        }
    }

    public int size() { return count; }

    public int[] ints(int i) {
        ByteBuffer b = read(i);
        int[] out = new int[b.remaining() / 4];
        for (int k = 0; k < out.length; k++) out[k] = b.getInt();
        return out;
    }

    public long[] longs(int i) {
        ByteBuffer b = read(i);
        long[] out = new long[b.remaining() / 8];
        for (int k = 0; k < out.length; k++) out[k] = b.getLong();
        return out;
    }

    private ByteBuffer read(int i) {
        long from = offsets[i], to = offsets[i + 1];
        int n = (int) (to - from);
        if (from >= tailStart) {
            return tail.duplicate().order(ByteOrder.LITTLE_ENDIAN).position((int) (from - tailStart)).limit((int) (to - tailStart));
        }
        if (readBuf.capacity() < n) readBuf = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        readBuf.clear().limit(n);
        try {
            while (readBuf.hasRemaining()) {
                if (file.read(readBuf, from + readBuf.position()) < 0) throw new IOException("spill file truncated");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read spill file " + path + ": " + e.getMessage(), e);
        }
        return readBuf.flip();
    }

    /** Bytes on the heap (buffer and offsets). */
    public long heapBytes() { return tail.capacity() + 8L * offsets.length; }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
            Files.deleteIfExists(path);
            file = null;
        }
    }
}
