package cortado.nn.models;

import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * The bookkeeping every {@link KvCache} keeps whatever holds its keys and values: batch, capacity, the committed
 * length and each row's left padding, with the checks on advancing and padding. Subclasses store the tensors.
 */
abstract class KvCacheSlots implements KvCache {
    private final int batch, capacity;
    private final int[] padding;
    private int length, prefix;

    KvCacheSlots(int batch, int capacity) {
        this.batch = batch;
        this.capacity = capacity;
        this.padding = new int[batch];
    }

    @Override public final int batch() { return batch; }

    @Override public final int capacity() { return capacity; }

    @Override public final int length() { return length; }

    /** Throws unless {@code t} more positions fit after the committed ones. */
    final void checkRoom(int t) {
        if (length + t > capacity)
            throw new IllegalStateException("KV cache full: " + length + " positions stored, " + t + " more do not fit in "
                    + capacity);
    }

    /** Sets the committed length directly (a prefix put into an empty cache). */
    final void setLength(int positions) { length = positions; }

    @Override
    public final void advance(int steps) {
        if (steps < 0 || length + steps > capacity)
            throw new IllegalStateException("cannot advance the KV cache by " + steps + " from " + length + " of " + capacity);
        length += steps;
    }

    /** Forgets every position and the padding; subclasses also drop or keep their tensors. */
    @Override
    public void reset() {
        length = 0;
        prefix = 0;
        Arrays.fill(padding, 0);
    }

    @Override public final int padding(int row) { return padding[row]; }

    @Override
    public final void pad(int[] pads) {
        if (length != prefix)
            throw new IllegalStateException("KV cache padding is set before the first token, not at " + length);
        if (pads.length != batch) throw new IllegalArgumentException("KV cache padding for " + pads.length + " rows, batch "
                + batch);
        for (int b = 0; b < batch; b++)
            if (pads[b] < 0 || prefix + pads[b] >= capacity)
                throw new IllegalArgumentException("KV cache padding " + pads[b] + " of row " + b + " outside [0, "
                        + (capacity - prefix) + ")");
        System.arraycopy(pads, 0, padding, 0, batch);
    }

    @Override public final int prefixLength() { return prefix; }

    /** Appends each layer's prefix as the first P positions (through {@link #append}, so a graph records it). */
    @Override
    public final void prefix(Tensor[] keys, Tensor[] values) {
        if (length != 0) throw new IllegalStateException("a prefix goes into an empty KV cache, not one holding " + length);
        int p = keys.length == 0 ? 0 : keys[0].size(2);
        for (int l = 0; l < keys.length; l++) {
            if (!Arrays.equals(keys[l].shape(), values[l].shape()) || keys[l].size(0) != batch || keys[l].size(2) != p)
                throw new IllegalArgumentException("prefix of layer " + l + ": keys " + Arrays.toString(keys[l].shape())
                        + " and values " + Arrays.toString(values[l].shape()) + ", expected [" + batch + ", Hkv, " + p
                        + ", D] like layer 0");
        }
        if (keys.length != layers() || values.length != layers())
            throw new IllegalArgumentException("a prefix needs keys and values for " + layers() + " layers, got "
                    + keys.length + " and " + values.length);
        if (p > capacity) throw new IllegalStateException("a prefix of " + p + " positions exceeds the capacity " + capacity);
        for (int l = 0; l < keys.length; l++) append(l, keys[l], values[l]);
        advance(p);
        prefix = p;
    }

    /** The number of layers the cache holds. */
    abstract int layers();
}
