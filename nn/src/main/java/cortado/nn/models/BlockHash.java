package cortado.nn.models;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The key of one full KV block in the prefix cache, as vLLM's automatic prefix caching keys it: a hash chained over
 * (parent block's hash, this block's token ids, extra keys such as the adapter), so a block matches only when every
 * token before it matched too. {@link #value} is the first 8 bytes of SHA-256 of that triple; equality also compares
 * the block's own token ids and extra key (vLLM's BlockHash keeps them too), so only a 64-bit collision of the parent
 * chain could ever alias two prefixes.
 */
public final class BlockHash {
    private final long value;
    private final int[] tokens;
    private final String extra;

    private BlockHash(long value, int[] tokens, String extra) {
        this.value = value;
        this.tokens = tokens;
        this.extra = extra;
    }

    /**
     * The hash of the block holding {@code ids[from, from + blockSize)} after {@code parent} (null: the first block);
     * {@code extra} (null: none) separates caches that must not share blocks, e.g. one per LoRA adapter.
     */
    public static BlockHash of(BlockHash parent, int[] ids, int from, int blockSize, String extra) {
        int[] tokens = Arrays.copyOfRange(ids, from, from + blockSize);
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        ByteBuffer head = ByteBuffer.allocate(9 + 4 * tokens.length);
        head.put((byte) (parent == null ? 0 : 1)).putLong(parent == null ? 0 : parent.value);
        for (int t : tokens) head.putInt(t);
        sha.update(head.array());
        if (extra != null) sha.update(extra.getBytes(StandardCharsets.UTF_8));
        return new BlockHash(ByteBuffer.wrap(sha.digest()).getLong(), tokens, extra);
    }

    public long value() { return value; }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockHash h && h.value == value && Arrays.equals(h.tokens, tokens)
                && Objects.equals(h.extra, extra);
    }

    @Override public int hashCode() { return Long.hashCode(value); }

    @Override public String toString() { return String.format("BlockHash[%016x]", value); }
}
