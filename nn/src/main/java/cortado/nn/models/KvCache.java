package cortado.nn.models;

import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * Keys and values of the positions a model has already seen, per layer, so incremental decoding computes attention
 * for the new tokens only. A forward pass with a cache reads {@link #length()} as the slot of its first token, lets
 * every layer {@link #append} its new keys and values, then {@link #advance}s by the number of new tokens.
 *
 * <p>A batch of prompts of different lengths is stored left-padded, as transformers' {@code generate} pads it: every
 * row writes its next token at the same slot, and row b's first {@link #padding(int) padding(b)} slots hold no token
 * (attention masks them out, and the row's positions count from its first real token), so each row has its own
 * length {@code length() - padding(b)}.
 */
public interface KvCache {

    /** All keys and values of one layer, positions 0 .. length()+T-1, each {@code [B, Hkv, S, D]}. */
    record KeysValues(Tensor keys, Tensor values) {}

    /**
     * Whether the cache is part of the autograd graph ({@link DynamicKvCache}): models then run a cached forward in
     * whatever grad mode the caller is in, so gradients flow through the cached keys and values. A cache that copies
     * into preallocated buffers ({@link StaticKvCache}) is not, and models run it without recording.
     */
    default boolean differentiable() { return false; }

    /**
     * Whether {@link #append} copies keys and values into buffers of the cache's own, which live as long as the arena
     * the cache was made in ({@link StaticKvCache}), so the tensors it was given may be freed as soon as the layer that
     * made them has run
     * (an evaluation forward gives each layer an arena of its own: {@code DecoderLayer.stack}). False where the cache
     * keeps the given tensors themselves.
     */
    default boolean copiesOnAppend() { return false; }

    /**
     * Whether keys and values live in blocks ({@link PagedKvCache}): attention layers then call {@link #attend}, which
     * reads them in place through the block tables, instead of {@link #append} and attention over its result.
     */
    default boolean paged() { return false; }

    /**
     * For a {@link #paged} cache: stores {@code k} and {@code v} {@code [B, Hkv, T, D]} of layer {@code layer} as
     * {@link #append} does and returns the attention {@code [B, H, T, D]} of {@code q} over every key up to and
     * including them, under {@code mask} (over {@code length() + T} keys). Inference only.
     */
    default Tensor attend(int layer, Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is not paged: use append");
    }

    /** Batch size B the cache was made for. */
    int batch();

    /** Most positions the cache can hold. */
    int capacity();

    /** Positions stored (and committed) so far: the position of the next token. */
    int length();

    /**
     * Stores {@code k} and {@code v} {@code [B, Hkv, T, D]} of layer {@code layer} at positions length() .. length()+T-1
     * and returns the keys and values of every position up to and including them.
     */
    KeysValues append(int layer, Tensor k, Tensor v);

    /** Commits {@code steps} positions once every layer has appended them. */
    void advance(int steps);

    /** Forgets every position and the padding (the buffers are reused). */
    void reset();

    /**
     * Slots {@code [prefixLength(), prefixLength() + padding(row))} of {@code row} hold left padding, not tokens; 0
     * unless {@link #pad} set it.
     */
    int padding(int row);

    /**
     * Declares the left padding of each row ({@code pads[b]} slots); only while the cache is empty or holds only its
     * {@link #prefix}, before the padded prompts are run through it.
     */
    void pad(int[] pads);

    /**
     * Puts {@code keys[l]} and {@code values[l]} ({@code [B, Hkv, P, D]}, the same P for every layer) in front of
     * every layer as slots 0 .. P-1, seen by every later token: prefix tuning's virtual tokens (Li &amp; Liang 2021).
     * Only while the cache is empty; any padding declared after it sits after the prefix, and positions count on
     * from P (as transformers numbers the tokens after a prefilled cache).
     */
    default void prefix(Tensor[] keys, Tensor[] values) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no prefix");
    }

    /** The slots {@link #prefix} filled (0 without one). */
    default int prefixLength() { return 0; }

    /**
     * Whether the rows do not all start at slot 0 with one shared length (left padding, or rows of their own lengths):
     * a plain causal mask and shared positions are then not enough, so {@link #positionIds} and {@link #attentionMask}
     * are used.
     */
    default boolean padded() {
        for (int b = 0; b < batch(); b++) if (padding(b) > 0) return true;
        return false;
    }

    /**
     * Position ids {@code [B*T]} (row-major, Hugging Face's {@code position_ids}) of {@code seq} new tokens at slots
     * length() .. length()+seq-1: the slot minus the row's padding, so every row counts from 0 at its first real token
     * (from P after a prefix; padding slots get 0, attention never reads them).
     */
    default int[] positionIds(int seq) {
        int[] pos = new int[batch() * seq];
        for (int b = 0; b < batch(); b++)
            for (int t = 0; t < seq; t++) pos[b * seq + t] = Math.max(0, length() + t - padding(b));
        return pos;
    }

    /**
     * Which of {@code keys} cached slots (those {@link #append} returned) the new queries of each row may see: causal,
     * with row b's {@link #padding(int) padding(b)} slots of left padding hidden: the first ones, or those right after
     * a {@link #prefix}.
     */
    default AttentionMask attentionMask(int keys) {
        if (!padded()) return AttentionMask.CAUSAL;
        int prefix = prefixLength();
        if (prefix > 0) {   // the padding sits between the prefix and the row's first token
            boolean[][] valid = new boolean[batch()][keys];
            for (int b = 0; b < batch(); b++) {
                java.util.Arrays.fill(valid[b], true);
                java.util.Arrays.fill(valid[b], prefix, prefix + padding(b), false);
            }
            return AttentionMask.CAUSAL.withKeyPadding(valid);
        }
        int[] from = new int[batch()], to = new int[batch()];
        for (int b = 0; b < batch(); b++) {
            from[b] = padding(b);
            to[b] = keys;
        }
        return AttentionMask.CAUSAL.withKeyRange(from, to, keys);
    }
}
