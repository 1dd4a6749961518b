package cortado.nn;

import cortado.autograd.NoGrad;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;

/**
 * One layer of a decoder stack as the model calls it ({@code transformer.h.N}, {@code model.layers.N}): the models
 * look each layer up by name and call it through this interface, so a wrapper around a whole {@link Block} (ZeRO-3,
 * which gathers the block's parameters around its forward) is called in its place.
 */
public interface DecoderLayer {
    /**
     * x {@code [B*T, C]} -> {@code [B*T, C]}; rotary {@code positions} (row-major [B, T], null: continue from the
     * cache), {@code layer} this block's slot in {@code cache}, {@code mask} null for the attention's default.
     */
    Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask);

    /**
     * Layers 0..n-1 of a stack, each on the previous one's output, as the models run them. Under no-grad, inside an
     * arena, and without a cache or with one that copies what it is given ({@link KvCache#copiesOnAppend}), each layer
     * runs in an arena of its own that keeps only its output, and the previous output is given back once the next
     * layer has read it: nothing records activations for a backward there, so an evaluation forward holds one layer's
     * buffers at a time instead of every layer's (GPT-2 124M scoring 32 rows of 256: one layer's ~0.6 GB, not
     * twelve). A cache that keeps the keys and values it is given needs them to outlive their layer: the stack then
     * runs in the caller's arena, as a training forward does.
     */
    static Tensor stack(ModuleList<?> layers, Tensor x, int batch, int seq, int[] positions, KvCache cache,
                        AttentionMask mask) {
        StepArena caller = StepArena.current();
        boolean perLayer = (cache == null || cache.copiesOnAppend()) && caller != null && NoGrad.active();
        for (int i = 0; i < layers.size(); i++) {
            DecoderLayer layer = at(layers, i);
            if (!perLayer) {
                x = layer.forward(x, batch, seq, positions, cache, i, mask);
                continue;
            }
            Tensor in = x;
            try (StepArena scope = StepArena.open()) {
                x = layer.forward(in, batch, seq, positions, cache, i, mask);
                scope.handOver(x);
            }
            // a previous layer's output (handed to the caller's arena above) that only this loop holds; the stack's
            // input is the caller's and stays
            if (i > 0 && x.storage() != in.storage()) caller.release(in.storage());
        }
        return x;
    }

    /** Layer i of a stack, as the models call it. */
    static DecoderLayer at(ModuleList<?> layers, int i) {
        if (layers.module(i) instanceof DecoderLayer d) return d;
        throw new IllegalStateException("layer " + i + " has been replaced by a module that is not a DecoderLayer");
    }
}
