package cortado.eval;

import cortado.autograd.F;
import cortado.nn.models.KvCache;
import cortado.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A KV cache that lets several continuations share one context's keys and values: a batch of contexts is run once,
 * left-padded ({@link #pad}: attention masks each row's padding and its positions count from its first token), then
 * {@link #expand} copies each context's row into as many rows as it has continuations, which run as one
 * right-padded batch after it. Right padding needs no mask: a causal model's real tokens never attend to the padding
 * behind them. Keys and values grow by concatenation; it is meant for inference under no-grad (the model runs it
 * without recording).
 */
final class SharedPrefixCache implements KvCache {
    private final int batch, capacity;
    private final int[] padding;
    private final List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();   // per layer, filled as they append
    private int length;

    SharedPrefixCache(int batch, int capacity) {
        this.batch = batch;
        this.capacity = capacity;
        this.padding = new int[batch];
    }

    /**
     * A cache whose row r holds this cache's row {@code rowOf[r]} (positions and padding), with room for
     * {@code capacity} positions.
     */
    SharedPrefixCache expand(int[] rowOf, int capacity) {
        if (capacity < length) throw new IllegalArgumentException("capacity " + capacity + " below the prefix's " + length);
        SharedPrefixCache c = new SharedPrefixCache(rowOf.length, capacity);
        for (int l = 0; l < keys.size(); l++) {
            c.keys.add(rows(keys.get(l), rowOf));
            c.values.add(rows(values.get(l), rowOf));
        }
        for (int r = 0; r < rowOf.length; r++) c.padding[r] = padding[rowOf[r]];
        c.length = length;
        return c;
    }

    private static Tensor rows(Tensor t, int[] rowOf) {
        Tensor[] parts = new Tensor[rowOf.length];
        for (int r = 0; r < rowOf.length; r++) parts[r] = t.slice(0, rowOf[r], rowOf[r] + 1);
        return F.concat(0, parts);
    }

    @Override public int batch() { return batch; }

    @Override public int capacity() { return capacity; }

    @Override public int length() { return length; }

    @Override
    public KeysValues append(int layer, Tensor k, Tensor v) {
        if (k.size(0) != batch) throw new IllegalArgumentException("cache of batch " + batch + " got keys of batch " + k.size(0));
        if (length + k.size(2) > capacity)
            throw new IllegalStateException("KV cache full: " + length + " + " + k.size(2) + " > " + capacity);
        if (layer == keys.size()) {   // the first forward through this cache
            keys.add(F.contiguous(k));
            values.add(F.contiguous(v));
        } else {
            keys.set(layer, F.concat(2, keys.get(layer), k));
            values.set(layer, F.concat(2, values.get(layer), v));
        }
        return new KeysValues(keys.get(layer), values.get(layer));
    }

    @Override
    public void advance(int steps) {
        if (steps < 0 || length + steps > capacity) throw new IllegalStateException("cannot advance by " + steps);
        length += steps;
    }

    @Override
    public void reset() {
        length = 0;
        keys.clear();
        values.clear();
        java.util.Arrays.fill(padding, 0);
    }

    @Override public int padding(int row) { return padding[row]; }

    @Override
    public void pad(int[] pads) {
        if (length != 0) throw new IllegalStateException("padding is set before the first token, not at " + length);
        if (pads.length != batch) throw new IllegalArgumentException(pads.length + " paddings for a batch of " + batch);
        for (int p : pads) if (p < 0 || p >= capacity) throw new IllegalArgumentException("padding " + p + " outside [0, " + capacity + ")");
        System.arraycopy(pads, 0, padding, 0, batch);
    }
}
