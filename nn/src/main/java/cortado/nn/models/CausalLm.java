package cortado.nn.models;

import cortado.autograd.F;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/** A decoder-only language model: token ids in, next-token logits out. */
public interface CausalLm {

    /** Hugging Face's ignore index for targets that do not count in the loss. */
    int IGNORE_INDEX = -100;

    ModelConfig config();

    /** The model tree; {@code namedParameters()} gives Hugging Face's names. */
    Module module();

    /** ids {@code [B*T]} (row-major B sequences of T) -> logits {@code [B, T, V]}; records autograd when grads are on. */
    Tensor forward(int[] ids, int batch, int seq);

    /**
     * Incremental decoding: the tokens continue at position {@code cache.length()}, the cache is extended by T. With a
     * {@link KvCache#differentiable() differentiable} cache ({@link #newDifferentiableCache}) it records autograd as
     * {@link #forward(int[], int, int)} does, through the cached keys and values; with the decoding cache it runs
     * without recording (its buffers are not part of any graph).
     */
    Tensor forward(int[] ids, int batch, int seq, KvCache cache);

    /**
     * Logits {@code [B, T, V]} of rows packed with several sequences (TRL's packing): {@code positions} (row-major
     * [B, T], Hugging Face's {@code position_ids}) count each sequence from 0, and a token at position id 0 starts a
     * sequence that attends to nothing before it, so each sequence computes what it would alone. Records autograd.
     */
    Tensor forwardPacked(int[] ids, int[] positions, int batch, int seq);

    /** As {@link #loss} on packed rows ({@link #forwardPacked}). */
    Tensor lossPacked(int[] ids, int[] targets, int[] positions, int batch, int seq);

    /** An empty cache for {@code batch} sequences of at most {@code maxSeq} positions. */
    KvCache newCache(int batch, int maxSeq);

    /**
     * An empty {@link PagedKvCache} of {@code slots} rows of at most {@code maxSeq} positions each over a pool of
     * {@code blocks} blocks of {@code blockSize} positions per layer, with prefix caching (continuous batching).
     */
    PagedKvCache newPagedCache(int slots, int maxSeq, int blocks, int blockSize);

    /**
     * An empty {@link DynamicKvCache}: gradients flow through it (training with a cache, prefix tuning's virtual keys
     * and values), at the cost of copying each layer's history at every step.
     */
    KvCache newDifferentiableCache(int batch, int maxSeq);

    /**
     * Logits {@code [B, V]} of the last of the T new positions, as {@link #forward(int[], int, int, KvCache)} but
     * without computing the vocabulary projection for the others (a prompt's prefill needs only the last).
     */
    default Tensor nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        Tensor logits = forward(ids, batch, seq, cache);
        return logits.slice(1, seq - 1, seq).reshape(batch, logits.size(2));
    }

    /**
     * transformers' {@code last_hidden_state}: the hidden rows {@code [B, T, C]} after the final norm ({@code ln_f},
     * {@code norm}), before the head, so a caller that needs logits at a few positions projects only those
     * ({@link #lmHead}). Records autograd when grads are on.
     */
    Tensor lastHiddenState(int[] ids, int batch, int seq);

    /**
     * As {@link #lastHiddenState(int[], int, int)}, continuing from {@code cache} and extending it by T; records
     * autograd only through a differentiable cache, as {@link #forward(int[], int, int, KvCache)}.
     */
    Tensor lastHiddenState(int[] ids, int batch, int seq, KvCache cache);

    /** As {@link #lastHiddenState(int[], int, int)} from inputs_embeds ({@code [B*T, C]} or {@code [B, T, C]}). */
    Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq);

    /** As {@link #lastHiddenState(int[], int, int, KvCache)} from inputs_embeds. */
    Tensor lastHiddenStateFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache);

    /**
     * The output head on hidden rows {@code [N, C]} -> logits {@code [N, V]}: {@code lm_head}, or the tied token
     * embedding when there is none, called by name (a wrapper of it is the one used), transformers'
     * {@code get_output_embeddings()(hidden)}. {@code lmHead(lastHiddenState(...))} is {@link #forward}'s logits.
     */
    Tensor lmHead(Tensor hidden);

    /**
     * The input embeddings of {@code ids}, {@code [ids.length, C]}: the token embedding layer (called by name, so a
     * wrapper of it is the one used), transformers' {@code get_input_embeddings()(input_ids)}.
     */
    Tensor embed(int[] ids);

    /**
     * Logits {@code [B, T, V]} from {@code inputsEmbeds} ({@code [B*T, C]} or {@code [B, T, C]}) in place of the token
     * lookup, transformers' {@code forward(inputs_embeds=...)}: positions are applied as for ids. Records autograd.
     */
    Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq);

    /** As {@link #forwardEmbeds(Tensor, int, int)}, continuing from {@code cache} and extending it by T. */
    Tensor forwardEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache);

    /** As {@link #nextTokenLogits} from inputs_embeds. */
    Tensor nextTokenLogitsFromEmbeds(Tensor inputsEmbeds, int batch, int seq, KvCache cache);

    /** As {@link #loss} from inputs_embeds; gradients reach {@code inputsEmbeds} when it requires them. */
    Tensor lossFromEmbeds(Tensor inputsEmbeds, int[] targets, int batch, int seq);

    /** Mean next-token cross-entropy of targets {@code [B*T]} ({@link #IGNORE_INDEX} rows skipped); a scalar. */
    default Tensor loss(int[] ids, int[] targets, int batch, int seq) {
        if (targets.length != batch * seq)
            throw new IllegalArgumentException("targets has " + targets.length + " ids, expected B*T = " + batch * seq);
        Tensor logits = forward(ids, batch, seq);
        return F.crossEntropy(F.reshape(logits, batch * seq, config().vocabSize()), targets, IGNORE_INDEX);
    }
}
