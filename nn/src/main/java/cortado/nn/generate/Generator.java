package cortado.nn.generate;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.tensor.StepArena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding of a batch of prompts with a KV cache, as transformers' {@code generate}: the prompts are
 * left-padded to the longest and run through the model together (prefill, the padding masked out and each row's
 * positions counted from its first token), then every row gets one new token per step and its own stopping decision.
 * Rows that have stopped ride along (their tokens are ignored) until the last one stops. Runs without recording
 * autograd.
 *
 * <p>When the cache reaches the model's context window, it is refilled from the most recent half of each row's tokens
 * (a sliding window; the whole batch slides together), so generation can continue past it. A prompt longer than the
 * window is refused.
 */
public final class Generator {
    /** The token written into padding slots; any id in the vocabulary does, since attention never reads them. */
    private static final int PAD = 0;

    private final CausalLm model;

    public Generator(CausalLm model) { this.model = model; }

    /**
     * Generates after each of {@code prompts}, row b choosing with {@code samplers.get(b)}.
     *
     * @param tokenizer decodes the completions (needed for stop strings; may be null without them)
     * @param listener  told of every chosen token of a row that has not stopped (may be null)
     */
    public List<Completion> generate(List<int[]> prompts, List<Sampler> samplers, StoppingCriteria stop,
                                     Tokenizer tokenizer, TokenListener listener) {
        int batch = prompts.size();
        if (batch == 0) return List.of();
        if (samplers.size() != batch)
            throw new IllegalArgumentException(samplers.size() + " samplers for " + batch + " prompts");
        if (!stop.stopStrings().isEmpty() && tokenizer == null)
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the completions");
        int vocab = model.config().vocabSize(), window = model.config().maxPositions(), longest = 0;
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            if (p.length == 0)
                throw new IllegalArgumentException("prompt " + b + " holds no tokens (use the end-of-text id to start "
                        + "from nothing)");
            if (p.length > window)
                throw new IllegalArgumentException("prompt " + b + " has " + p.length + " tokens, more than the model's "
                        + "context window of " + window + " positions");
            for (int id : p)
                if (id < 0 || id >= vocab)
                    throw new IllegalArgumentException("prompt " + b + ": token " + id + " outside the vocabulary [0, "
                            + vocab + ")");
            longest = Math.max(longest, p.length);
        }
        Row[] rows = new Row[batch];
        for (int b = 0; b < batch; b++) rows[b] = new Row(prompts.get(b), stop.maxNewTokens());
        int maxNew = stop.maxNewTokens();
        if (maxNew > 0) {
            // Sized for this generation, not for the model's maximum (131072 positions would be gigabytes for Llama 3).
            KvCache cache = model.newCache(batch, (int) Math.min(window, (long) longest + maxNew));
            float[] logits = prefill(cache, rows, window);
            int active = batch;
            while (true) {
                for (int b = 0; b < batch; b++) {
                    Row r = rows[b];
                    if (r.reason != null) continue;
                    int next = samplers.get(b).sample(Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab), r.ids,
                            r.promptLength, r.length);
                    r.ids[r.length++] = next;
                    if (listener != null) listener.onToken(b, next);
                    r.reason = finished(r, next, stop, tokenizer);
                    if (r.reason != null) active--;
                }
                if (active == 0) break;
                if (cache.length() == cache.capacity()) { // only reached when the capacity is the model's window
                    cache.reset();
                    logits = prefill(cache, rows, Math.max(1, window / 2));
                } else {
                    int[] step = new int[batch];
                    for (int b = 0; b < batch; b++) step[b] = rows[b].reason == null ? rows[b].ids[rows[b].length - 1] : PAD;
                    logits = nextTokenLogits(step, batch, 1, cache);
                }
            }
        }
        List<Completion> out = new ArrayList<>(batch);
        for (Row r : rows) {
            int[] tokens = Arrays.copyOfRange(r.ids, r.promptLength, r.length);
            FinishReason reason = r.reason == null ? FinishReason.LENGTH : r.reason;
            out.add(new Completion(tokens, reason, tokenizer == null ? null : text(r, tokenizer, stop)));
        }
        return out;
    }

    /**
     * One prompt: generates up to {@code maxNewTokens} tokens; stops early after emitting a token in {@code stopIds}
     * (included in the result). Each token goes to {@code onToken} as soon as it is chosen (may be null).
     *
     * @return the new tokens (without the prompt)
     */
    public int[] generate(int[] prompt, int maxNewTokens, Sampler sampler, Set<Integer> stopIds, IntConsumer onToken) {
        StoppingCriteria stop = new StoppingCriteria(maxNewTokens, stopIds == null ? Set.of() : stopIds, List.of());
        TokenListener listener = onToken == null ? null : (row, token) -> onToken.accept(token);
        return generate(List.of(prompt), List.of(sampler), stop, null, listener).get(0).tokens();
    }

    /** One row's tokens: the prompt, then what has been generated. */
    private static final class Row {
        final int[] ids;
        final int promptLength;
        int length;
        FinishReason reason; // null while running

        Row(int[] prompt, int maxNew) {
            ids = Arrays.copyOf(prompt, prompt.length + maxNew);
            promptLength = length = prompt.length;
        }

        int generated() { return length - promptLength; }
    }

    private static FinishReason finished(Row r, int token, StoppingCriteria stop, Tokenizer tokenizer) {
        if (stop.eosTokenIds().contains(token)) return FinishReason.STOP;
        if (!stop.stopStrings().isEmpty() && stop.stopStringCut(tokenizer.decode(completionIds(r, stop))) >= 0)
            return FinishReason.STOP;
        return r.generated() >= stop.maxNewTokens() ? FinishReason.LENGTH : null;
    }

    /** The generated ids without a final end-of-sequence token. */
    private static int[] completionIds(Row r, StoppingCriteria stop) {
        int end = r.length;
        if (end > r.promptLength && stop.eosTokenIds().contains(r.ids[end - 1])) end--;
        return Arrays.copyOfRange(r.ids, r.promptLength, end);
    }

    private static String text(Row r, Tokenizer tokenizer, StoppingCriteria stop) {
        String text = tokenizer.decode(completionIds(r, stop));
        int cut = stop.stopStringCut(text);
        return cut >= 0 ? text.substring(0, cut) : text;
    }

    /**
     * Runs the last {@code min(length, keep)} tokens of every row through the empty cache, left-padded to the longest;
     * the next-token logits {@code [B * V]}.
     */
    private float[] prefill(KvCache cache, Row[] rows, int keep) {
        int batch = rows.length, seq = 0;
        for (Row r : rows) seq = Math.max(seq, Math.min(r.length, keep));
        int[] ids = new int[batch * seq], pads = new int[batch];
        Arrays.fill(ids, PAD);
        for (int b = 0; b < batch; b++) {
            int n = Math.min(rows[b].length, keep);
            pads[b] = seq - n;
            System.arraycopy(rows[b].ids, rows[b].length - n, ids, b * seq + pads[b], n);
        }
        cache.pad(pads);
        return nextTokenLogits(ids, batch, seq, cache);
    }

    /**
     * One forward step's next-token logits {@code [B * V]}, its buffers given back when it returns (and each layer's
     * as soon as it has run, with a cache that copies what it is given): a prefill of many long prompts would
     * otherwise leave every layer's activations to the collector.
     */
    private float[] nextTokenLogits(int[] ids, int batch, int seq, KvCache cache) {
        try (StepArena arena = StepArena.open()) {
            return model.nextTokenLogits(ids, batch, seq, cache).toArray();
        }
    }
}
