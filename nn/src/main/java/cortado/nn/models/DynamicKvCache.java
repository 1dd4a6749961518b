package cortado.nn.models;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * A KV cache that is part of the autograd graph, transformers' {@code DynamicCache} as training uses it: each layer's
 * keys and values grow by concatenation ({@link F#concat}, recorded), so a loss computed through the cache sends
 * gradients into whatever produced the cached entries: the earlier chunk's projections (training over a sequence in
 * chunks, which gives the full sequence's gradients) or trainable virtual keys and values put in front with
 * {@link #prefix} (prefix tuning, Li &amp; Liang 2021). Unlike {@link StaticKvCache} nothing is preallocated and every
 * step copies the layer's whole history, which is the price of keeping it differentiable; models do not force
 * no-grad mode around it ({@link #differentiable()}).
 */
public final class DynamicKvCache extends KvCacheSlots {
    private final Tensor[] keys, values;

    public DynamicKvCache(int layers, int batch, int capacity) {
        if (layers <= 0 || batch <= 0 || capacity <= 0)
            throw new IllegalArgumentException("KV cache sizes must be positive: layers " + layers + ", batch " + batch
                    + ", capacity " + capacity);
        super(batch, capacity);
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
    }

    /**
     * Puts {@code keys[l]} and {@code values[l]} ({@code [B, Hkv, P, D]}, the same P for every layer) in front of
     * every layer, as past positions 0 .. P-1: the virtual tokens of prefix tuning. Only while the cache is empty.
     */
    public void prefix(Tensor[] keys, Tensor[] values) {
        if (length() != 0) throw new IllegalStateException("a prefix goes into an empty KV cache, not one holding " + length());
        if (keys.length != this.keys.length || values.length != this.values.length)
            throw new IllegalArgumentException("a prefix needs keys and values for " + this.keys.length + " layers, got "
                    + keys.length + " and " + values.length);
        int p = keys[0].size(2);
        for (int l = 0; l < keys.length; l++) {
            if (!Arrays.equals(keys[l].shape(), values[l].shape()) || keys[l].size(0) != batch() || keys[l].size(2) != p)
                throw new IllegalArgumentException("prefix of layer " + l + ": keys " + Arrays.toString(keys[l].shape())
                        + " and values " + Arrays.toString(values[l].shape()) + ", expected [" + batch() + ", Hkv, " + p
                        + ", D] like layer 0");
        }
        if (p > capacity()) throw new IllegalStateException("a prefix of " + p + " positions exceeds the capacity " + capacity());
        System.arraycopy(keys, 0, this.keys, 0, keys.length);
        System.arraycopy(values, 0, this.values, 0, values.length);
        setLength(p);
    }

    @Override public boolean differentiable() { return true; }

    @Override
    public KeysValues append(int layer, Tensor k, Tensor v) {
        if (layer < 0 || layer >= keys.length) throw new IllegalArgumentException("no layer " + layer + " in the KV cache");
        int t = k.size(2);
        if (k.size(0) != batch() || !Arrays.equals(k.shape(), v.shape()))
            throw new IllegalArgumentException("KV cache of batch " + batch() + " got keys " + Arrays.toString(k.shape())
                    + " and values " + Arrays.toString(v.shape()));
        checkRoom(t);
        Tensor past = keys[layer];
        if (past != null && past.size(2) != length())
            throw new IllegalStateException("layer " + layer + " already appended at position " + length());
        keys[layer] = past == null ? F.contiguous(k) : F.concat(2, past, k);
        values[layer] = values[layer] == null ? F.contiguous(v) : F.concat(2, values[layer], v);
        return new KeysValues(keys[layer], values[layer]);
    }

    @Override
    public void reset() {
        super.reset();
        Arrays.fill(keys, null);
        Arrays.fill(values, null);
    }
}
