package cortado.data.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A token shard mapped read-only into memory (any size; pages load on demand, so opening a 10 GB shard costs
 * nothing). The header of an llm.c shard is checked against the file size before any token is read: a lying header
 * is an error naming the file, never a crash or a huge allocation.
 */
public final class TokenShard implements Closeable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment seg;
    private final long offset;
    private final long size;
    private final int width;

    private TokenShard(Path path, Arena arena, MemorySegment seg, long offset, long size, int width) {
        this.path = path;
        this.arena = arena;
        this.seg = seg;
        this.offset = offset;
        this.size = size;
        this.width = width;
    }

    /** Opens an llm.c shard; the header says the token width. */
    public static TokenShard openLlmc(Path path) throws IOException {
        return open(path, ShardFormat.LLMC, 0);
    }

    /** Opens a raw nanoGPT shard of {@code bytesPerToken}-byte tokens (2 for uint16, 4 for uint32). */
    public static TokenShard openRaw(Path path, int bytesPerToken) throws IOException {
        return open(path, ShardFormat.NANOGPT, bytesPerToken);
    }

    public static TokenShard open(Path path, ShardFormat format, int bytesPerToken) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            MemorySegment seg = fileSize == 0 ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
            if (format == ShardFormat.NANOGPT) {
                if (bytesPerToken != 2 && bytesPerToken != 4)
                    throw new IllegalArgumentException("bytesPerToken must be 2 or 4");
                if (fileSize % bytesPerToken != 0)
                    throw new IOException(path + ": size " + fileSize + " is not a multiple of " + bytesPerToken
                            + "-byte tokens");
                return new TokenShard(path, arena, seg, 0, fileSize / bytesPerToken, bytesPerToken);
            }
            int hb = format.headerBytes();
            if (fileSize < hb)
                throw new IOException(path + ": " + fileSize + " bytes is too short for the 1024-byte llm.c header");
            int magic = seg.get(U32, 0), version = seg.get(U32, 4), count = seg.get(U32, 8);
            int w;
            if (magic == ShardFormat.LLMC_MAGIC_U16 && version == ShardFormat.LLMC_VERSION_U16) w = 2;
            else if (magic == ShardFormat.LLMC_MAGIC_U32 && version == ShardFormat.LLMC_VERSION_U32) w = 4;
            else throw new IOException(path + ": not an llm.c token shard (magic " + magic + ", version " + version
                        + "; expected 20240520/1 or 20240801/7)");
            if (count < 0 || hb + (long) count * w != fileSize)
                throw new IOException(path + ": header says " + count + " tokens (" + (hb + (long) count * w)
                        + " bytes) but the file has " + fileSize + " bytes");
            return new TokenShard(path, arena, seg, hb, count, w);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof NoSuchFileException) throw new NoSuchFileException(path + ": no such file");
            throw e;
        }
    }

    /** Number of tokens. */
    public long size() { return size; }

    /** Bytes per token: 2 (uint16) or 4 (uint32). */
    public int bytesPerToken() { return width; }

    public Path path() { return path; }

    /** Token {@code i}. */
    public int get(long i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("token " + i + " of " + size + " in " + path);
        return width == 2 ? Short.toUnsignedInt(seg.get(U16, offset + 2 * i)) : seg.get(U32, offset + 4 * i);
    }

    /** Copies tokens [{@code from}, {@code from + len}) into {@code dst[off..]}. */
    public void read(long from, int[] dst, int off, int len) {
        if (from < 0 || len < 0 || from + len > size)
            throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + len) + ") of " + size + " in " + path);
        long p = offset + (long) width * from;
        if (width == 2) {
            for (int k = 0; k < len; k++, p += 2) dst[off + k] = Short.toUnsignedInt(seg.get(U16, p));
        } else {
            for (int k = 0; k < len; k++, p += 4) dst[off + k] = seg.get(U32, p);
        }
    }

    @Override
    public void close() { arena.close(); }
}
