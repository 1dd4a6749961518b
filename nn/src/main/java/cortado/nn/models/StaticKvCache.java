package cortado.nn.models;

import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * A KV cache preallocated for {@code capacity} positions: per layer one key and one value buffer
 * {@code [B, Hkv, capacity, D]}. Appending copies the new rows in; reading returns views of the filled prefix, which the
 * attention kernel takes as they are (no copy), with the causal offset S - T placing the new queries after the cache.
 */
public final class StaticKvCache implements KvCache {
    private final int batch, kvHeads, capacity, headDim;
    private final Tensor[] keys, values;
    private final int[] padding;
    private int length;

    public StaticKvCache(int layers, int batch, int kvHeads, int capacity, int headDim) {
        if (layers <= 0 || batch <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
            throw new IllegalArgumentException("KV cache sizes must be positive: layers " + layers + ", batch " + batch
                    + ", kv heads " + kvHeads + ", capacity " + capacity + ", head dim " + headDim);
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        this.padding = new int[batch];
        this.keys = new Tensor[layers];   // allocated by the first append, on the backend of its keys and values
        this.values = new Tensor[layers];
    }

    @Override public int batch() { return batch; }

    @Override public int capacity() { return capacity; }

    @Override public int length() { return length; }

    @Override
    public KeysValues append(int layer, Tensor k, Tensor v) {
        if (layer < 0 || layer >= keys.length) throw new IllegalArgumentException("no layer " + layer + " in the KV cache");
        int t = k.size(2);
        int[] expected = {batch, kvHeads, t, headDim};
        if (!Arrays.equals(k.shape(), expected) || !Arrays.equals(v.shape(), expected))
            throw new IllegalArgumentException("KV cache expects keys and values " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(k.shape()) + " and " + Arrays.toString(v.shape()));
        if (length + t > capacity)
            throw new IllegalStateException("KV cache full: " + length + " positions stored, " + t + " more do not fit in "
                    + capacity);
        if (keys[layer] == null) {
            keys[layer] = k.backend().zeros(batch, kvHeads, capacity, headDim);
            values[layer] = v.backend().zeros(batch, kvHeads, capacity, headDim);
        }
        Tensor kb = keys[layer], vb = values[layer];
        kb.backend().copyInto(kb.slice(2, length, length + t), k);
        vb.backend().copyInto(vb.slice(2, length, length + t), v);
        return new KeysValues(kb.slice(2, 0, length + t), vb.slice(2, 0, length + t));
    }

    @Override
    public void advance(int steps) {
        if (steps < 0 || length + steps > capacity)
            throw new IllegalStateException("cannot advance the KV cache by " + steps + " from " + length + " of " + capacity);
        length += steps;
    }

    @Override
    public void reset() {
        length = 0;
        Arrays.fill(padding, 0);
    }

    @Override public int padding(int row) { return padding[row]; }

    @Override
    public void pad(int[] pads) {
        if (length != 0) throw new IllegalStateException("KV cache padding is set before the first token, not at " + length);
        if (pads.length != batch) throw new IllegalArgumentException("KV cache padding for " + pads.length + " rows, batch "
                + batch);
        for (int b = 0; b < batch; b++)
            if (pads[b] < 0 || pads[b] >= capacity)
                throw new IllegalArgumentException("KV cache padding " + pads[b] + " of row " + b + " outside [0, "
                        + capacity + ")");
        System.arraycopy(pads, 0, padding, 0, batch);
    }
}
