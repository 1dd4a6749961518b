package cortado.data.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes one token shard ({@link ShardFormat}) through a fixed 1 MiB buffer, to a temporary file next to the target
 * that is renamed into place by {@link #close()}, so a shard on disk is always complete. For llm.c shards the header
 * is written last, when the token count is known.
 */
public final class TokenShardWriter implements Closeable {
    private final Path target;
    private final Path temp;
    private final ShardFormat format;
    private final int width;
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long tokens;
    private boolean closed;

    public TokenShardWriter(Path target, ShardFormat format, int bytesPerToken) throws IOException {
        if (bytesPerToken != 2 && bytesPerToken != 4) throw new IllegalArgumentException("bytesPerToken must be 2 or 4");
        this.target = target;
        this.format = format;
        this.width = bytesPerToken;
        this.temp = target.resolveSibling(target.getFileName() + ".tmp");
        this.ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        if (format == ShardFormat.LLMC) ch.position(format.headerBytes());
    }

    public void write(int token) throws IOException {
        if (buf.remaining() < width) flush();
        if (width == 2) {
            if ((token & ~0xFFFF) != 0) throw new IllegalArgumentException("token " + token + " does not fit in uint16");
            buf.putShort((short) token);
        } else {
            if (token < 0) throw new IllegalArgumentException("negative token id " + token);
            buf.putInt(token);
        }
        tokens++;
    }

    public void write(int[] ids, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(ids[i]);
    }

    public long tokens() { return tokens; }

    public Path path() { return target; }

    private void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) ch.write(buf);
        buf.clear();
    }

    /** Finishes the shard: header (llm.c), fsync-free close, atomic rename onto the target. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        flush();
        if (format == ShardFormat.LLMC) {
            if (tokens > Integer.MAX_VALUE) throw new IOException("llm.c shards hold at most 2^31-1 tokens");
            ByteBuffer h = ByteBuffer.allocate(format.headerBytes()).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0, width == 2 ? ShardFormat.LLMC_MAGIC_U16 : ShardFormat.LLMC_MAGIC_U32);
            h.putInt(4, width == 2 ? ShardFormat.LLMC_VERSION_U16 : ShardFormat.LLMC_VERSION_U32);
            h.putInt(8, (int) tokens);
            while (h.hasRemaining()) ch.write(h, h.position());
        }
        ch.close();
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Drops the partial shard. */
    public void abort() throws IOException {
        if (closed) return;
        closed = true;
        ch.close();
        Files.deleteIfExists(temp);
    }
}
