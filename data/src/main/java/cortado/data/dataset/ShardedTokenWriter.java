package cortado.data.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A token stream cut into shards of at most {@code maxTokensPerShard} tokens, named {@code <prefix>_000000.bin},
 * {@code <prefix>_000001.bin}, ... as llm.c's fineweb.py names them. A shard boundary never falls inside a block:
 * callers write whole blocks and {@link #endBlock()} lets the writer rotate between them.
 */
public final class ShardedTokenWriter implements Closeable {
    private final Path dir;
    private final String prefix;
    private final ShardFormat format;
    private final int width;
    private final long maxTokensPerShard;
    private final List<Path> shards = new ArrayList<>();
    private TokenShardWriter current;
    private long tokens;

    public ShardedTokenWriter(Path dir, String prefix, ShardFormat format, int bytesPerToken, long maxTokensPerShard) {
        this.dir = dir;
        this.prefix = prefix;
        this.format = format;
        this.width = bytesPerToken;
        this.maxTokensPerShard = maxTokensPerShard;
    }

    public void write(int[] ids, int off, int len) throws IOException {
        if (current == null) {
            current = new TokenShardWriter(dir.resolve(String.format("%s_%06d.bin", prefix, shards.size())), format, width);
            shards.add(current.path());
        }
        current.write(ids, off, len);
        tokens += len;
    }

    /** A point where a new shard may start. */
    public void endBlock() throws IOException {
        if (current != null && current.tokens() >= maxTokensPerShard) {
            current.close();
            current = null;
        }
    }

    public long tokens() { return tokens; }

    public List<Path> shards() { return List.copyOf(shards); }

    @Override
    public void close() throws IOException {
        if (current != null) current.close();
        current = null;
    }

    /** Removes the shard being written (on failure). */
    public void abort() throws IOException {
        if (current != null) current.abort();
        current = null;
    }
}
