package cortado.nn.models;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * A KV cache that is part of the autograd graph, transformers' {@code DynamicCache} as training uses it: each layer's
 * keys and values grow by concatenation ({@link F#concat}, recorded), so a loss computed through the cache sends
 * gradients into whatever produced the cached entries: the earlier chunk's projections (training over a sequence in
 * chunks, which gives the full sequence's gradients) or trainable virtual keys and values put in front with
 * {@link KvCache#prefix} (prefix tuning, Li &amp; Liang 2021). Unlike {@link StaticKvCache} nothing is preallocated and every
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

    @Override int layers() { return keys.length; }

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
