package cortado.nn;

import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
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

    /** Layer i of a stack, as the models call it. */
    static DecoderLayer at(ModuleList<?> layers, int i) {
        if (layers.module(i) instanceof DecoderLayer d) return d;
        throw new IllegalStateException("layer " + i + " has been replaced by a module that is not a DecoderLayer");
    }
}
