package cortado.nn.models;

import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * A KV cache preallocated for {@code capacity} positions: per layer one key and one value buffer
 * {@code [B, Hkv, capacity, D]}. Appending copies the new rows in; reading returns views of the filled prefix, which the
 * attention kernel takes as they are (no copy), with the causal offset S - T placing the new queries after the cache.
 */
public final class StaticKvCache extends KvCacheSlots {
    private final int kvHeads, headDim;
    private final Tensor[] keys, values;
    /** The arena open where the cache was made (null: none), which its buffers live as long as. */
    private final StepArena lifetime = StepArena.current();

    public StaticKvCache(int layers, int batch, int kvHeads, int capacity, int headDim) {
        if (layers <= 0 || batch <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
            throw new IllegalArgumentException("KV cache sizes must be positive: layers " + layers + ", batch " + batch
                    + ", kv heads " + kvHeads + ", capacity " + capacity + ", head dim " + headDim);
        super(batch, capacity);
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.keys = new Tensor[layers];   // allocated by the first append, on the backend of its keys and values
        this.values = new Tensor[layers];
    }

    @Override int layers() { return keys.length; }

    @Override public boolean copiesOnAppend() { return true; }

    @Override
    public KeysValues append(int layer, Tensor k, Tensor v) {
        if (layer < 0 || layer >= keys.length) throw new IllegalArgumentException("no layer " + layer + " in the KV cache");
        int t = k.size(2);
        int[] expected = {batch(), kvHeads, t, headDim};
        if (!Arrays.equals(k.shape(), expected) || !Arrays.equals(v.shape(), expected))
            throw new IllegalArgumentException("KV cache expects keys and values " + Arrays.toString(expected) + ", got "
                    + Arrays.toString(k.shape()) + " and " + Arrays.toString(v.shape()));
        checkRoom(t);
        int length = length();
        if (keys[layer] == null) {
            keys[layer] = k.backend().zeros(batch(), kvHeads, capacity(), headDim);
            values[layer] = v.backend().zeros(batch(), kvHeads, capacity(), headDim);
            // as long as the arena the cache was made in (none: ordinary memory), not the layer scope appending first
            StepArena.keepUntil(keys[layer], lifetime);
            StepArena.keepUntil(values[layer], lifetime);
        }
        Tensor kb = keys[layer], vb = values[layer];
        kb.backend().copyInto(kb.slice(2, length, length + t), k);
        vb.backend().copyInto(vb.slice(2, length, length + t), v);
        return new KeysValues(kb.slice(2, 0, length + t), vb.slice(2, 0, length + t));
    }
}
