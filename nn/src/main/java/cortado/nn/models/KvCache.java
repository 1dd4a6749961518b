package cortado.nn.models;

import cortado.tensor.Tensor;

/**
 * Keys and values of the positions a model has already seen, per layer, so incremental decoding computes attention
 * for the new tokens only. A forward pass with a cache reads {@link #length()} as the position of its first token,
 * lets every layer {@link #append} its new keys and values, then {@link #advance}s by the number of new tokens.
 */
public interface KvCache {

    /** All keys and values of one layer, positions 0 .. length()+T-1, each {@code [B, Hkv, S, D]}. */
    record KeysValues(Tensor keys, Tensor values) {}

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

    /** Forgets every position (the buffers are reused). */
    void reset();
}
