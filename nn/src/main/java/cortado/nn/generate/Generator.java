package cortado.nn.generate;

import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a KV cache: one forward pass over the prompt (prefill), then one token at a time, each
 * pass computing attention for the new token only. Runs without recording autograd. When the context reaches the
 * model's maximum length, the cache is refilled from the most recent half of the tokens (a sliding window), so
 * generation can continue past it.
 */
public final class Generator {
    private final CausalLm model;

    public Generator(CausalLm model) { this.model = model; }

    /**
     * Generates up to {@code maxNewTokens} tokens after {@code prompt}; stops early after emitting a token in
     * {@code stopIds} (which is included in the result). Each token is passed to {@code onToken} as soon as it is
     * chosen (for streaming output; may be null).
     *
     * @return the new tokens (without the prompt)
     */
    public int[] generate(int[] prompt, int maxNewTokens, Sampler sampler, Set<Integer> stopIds, IntConsumer onToken) {
        if (prompt.length == 0)
            throw new IllegalArgumentException("the prompt must hold at least one token (use the end-of-text id to start "
                    + "from nothing)");
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        int vocab = model.config().vocabSize();
        for (int id : prompt)
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt token " + id + " outside the vocabulary "
                    + "[0, " + vocab + ")");
        int window = model.config().maxPositions();
        int[] tokens = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int count = prompt.length;
        int[] out = new int[maxNewTokens];
        if (maxNewTokens == 0) return out;
        // Sized for this generation, not for the model's maximum (131072 positions would be gigabytes for Llama 3).
        KvCache cache = model.newCache(1, (int) Math.min(window, (long) prompt.length + maxNewTokens));
        float[] logits = prefill(cache, tokens, count, window);
        for (int i = 0; i < maxNewTokens; i++) {
            int next = sampler.sample(logits);
            out[i] = next;
            tokens[count++] = next;
            if (onToken != null) onToken.accept(next);
            if (stopIds != null && stopIds.contains(next)) return Arrays.copyOf(out, i + 1);
            if (i == maxNewTokens - 1) break;
            if (cache.length() == cache.capacity()) { // only reached when the capacity is the model's window
                cache.reset();
                logits = prefill(cache, tokens, count, Math.max(1, window / 2));
            } else {
                logits = model.nextTokenLogits(new int[] {next}, 1, 1, cache).toArray();
            }
        }
        return out;
    }

    /** Runs the last {@code min(count, keep)} tokens through the empty cache; the next-token logits. */
    private float[] prefill(KvCache cache, int[] tokens, int count, int keep) {
        int n = Math.min(count, keep);
        int[] context = Arrays.copyOfRange(tokens, count - n, count);
        Tensor logits = model.nextTokenLogits(context, 1, n, cache);
        return logits.toArray();
    }
}
