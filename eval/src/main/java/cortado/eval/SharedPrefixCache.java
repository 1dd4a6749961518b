package cortado.eval;

import cortado.autograd.F;
import cortado.nn.models.KvCache;
import cortado.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A KV cache that lets several continuations share one context's keys and values: the context is run once with a
 * batch of one ({@code new SharedPrefixCache(1, capacity)}), then {@link #expand} copies its positions into
 * every row of a cache for the continuations, which run as one right-padded batch after it. Right padding needs no
 * mask: a causal model's real tokens never attend to the padding behind them. Keys and values grow by
 * concatenation; it is meant for inference under no-grad (the model runs it without recording).
 */
final class SharedPrefixCache implements KvCache {
    private final int batch, capacity;
    private final List<Tensor> keys = new ArrayList<>(), values = new ArrayList<>();   // per layer, filled as they append
    private int length;

    SharedPrefixCache(int batch, int capacity) {
        this.batch = batch;
        this.capacity = capacity;
    }

    /** A cache of {@code rows} rows, each holding this (one-row) cache's positions, with room for {@code capacity}. */
    SharedPrefixCache expand(int rows, int capacity) {
        if (batch != 1) throw new IllegalStateException("only a one-row cache is expanded, not one of " + batch);
        if (capacity < length) throw new IllegalArgumentException("capacity " + capacity + " below the prefix's " + length);
        SharedPrefixCache c = new SharedPrefixCache(rows, capacity);
        for (int l = 0; l < keys.size(); l++) {
            c.keys.add(repeat(keys.get(l), rows));
            c.values.add(repeat(values.get(l), rows));
        }
        c.length = length;
        return c;
    }

    private static Tensor repeat(Tensor t, int rows) {
        return rows == 1 ? t : F.concat(0, Collections.nCopies(rows, t).toArray(Tensor[]::new));
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
    }

    @Override public int padding(int row) { return 0; }

    @Override
    public void pad(int[] pads) {
        for (int p : pads) if (p != 0) throw new UnsupportedOperationException("a shared-prefix cache holds no left padding");
    }
}
