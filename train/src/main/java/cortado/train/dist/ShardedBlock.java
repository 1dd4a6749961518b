package cortado.train.dist;

import cortado.autograd.CheckpointHooks;
import cortado.autograd.F;
import cortado.nn.DecoderLayer;
import cortado.nn.DropoutState;
import cortado.nn.Module;
import cortado.nn.models.KvCache;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;

/**
 * ZeRO-3's wrapper around one decoder block, put in the block's place by name ({@code transformer.h.3}): before the
 * block's forward its sharded parameters are gathered ({@link CheckpointHooks#beforePass}), after it they are freed;
 * the forward keeps no graph, so for backward the parameters are gathered again and the block recomputed (as
 * activation checkpointing does), then the gradients are reduce-scattered and the parameters freed. The wrapper
 * registers the block's own children under their own names, so every dotted parameter name stays the block's.
 */
final class ShardedBlock extends Module implements DecoderLayer {
    private final Module block;
    private final CheckpointHooks hooks;

    ShardedBlock(Module block, CheckpointHooks hooks) {
        if (!(block instanceof DecoderLayer))
            throw new IllegalArgumentException(block.getClass().getSimpleName() + " is not a DecoderLayer");
        if (!block.ownParameters().isEmpty())
            throw new IllegalArgumentException(block.getClass().getSimpleName() + " holds parameters of its own");
        this.block = block;
        this.hooks = hooks;
        block.checkpointActivations(false);   // the wrapper recomputes it already
        block.children().forEach(this::child);
        train(block.isTraining());
    }

    /** The wrapped block (put back when the parameters are gathered for good). */
    Module block() { return block; }

    @Override
    public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
        DecoderLayer inner = (DecoderLayer) block;
        if (cache != null) {   // generation: no graph to recompute
            if (cache.differentiable() && !cortado.autograd.NoGrad.active())
                throw new IllegalStateException("ZeRO-3 recomputes each block for backward, which a differentiable KV"
                        + " cache does not allow");
            hooks.beforePass();
            Tensor y = inner.forward(x, batch, seq, positions, cache, layer, mask);
            hooks.afterForward();
            return y;
        }
        // The recomputation during backward must draw the dropout masks the forward drew.
        DropoutState dropouts = DropoutState.of(block);
        return F.checkpoint(in -> {
            dropouts.restore();
            return inner.forward(in, batch, seq, positions, null, layer, mask);
        }, x, hooks);
    }
}
