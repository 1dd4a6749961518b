package cortado.eval;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs loglikelihood requests through a causal LM as lm-eval-harness's HF backend does (HFLM
 * {@code _loglikelihood_tokens}, 0.4.13): requests sorted longest first, in batches of {@code batchSize} rows
 * right-padded to the batch's longest input, each input the last {@code maxLength + 1} tokens of context +
 * continuation without its final token (left truncation), log-softmax over the vocabulary, the continuation's
 * log-probabilities summed and is_greedy set when every continuation token is its position's argmax.
 *
 * <p>With {@code sharePrefix}, requests that have the same context (a multiple-choice document's choices) and fit
 * without truncation run their context once: {@code batchSize} contexts go through the model in one left-padded
 * batch with a KV cache, whose last positions give each continuation's first token, then all their choices'
 * remaining tokens run as one batch behind copies of their context's keys and values ({@link SharedPrefixCache}).
 * lm-eval shares only one-token continuations (its logits cache); the result is the same computation, so the
 * log-likelihoods agree to float rounding.
 */
public final class LoglikelihoodScorer {
    private final CausalLm model;
    private final int batchSize, maxLength;
    private final boolean sharePrefix;

    /** @param maxLength lm-eval's {@code max_length}: the model's positions unless set lower */
    public LoglikelihoodScorer(CausalLm model, int batchSize, int maxLength, boolean sharePrefix) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (maxLength < 1 || maxLength > model.config().maxPositions())
            throw new IllegalArgumentException("max length " + maxLength + " outside 1.." + model.config().maxPositions());
        this.model = model;
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        this.sharePrefix = sharePrefix;
    }

    public List<Loglikelihood> loglikelihood(List<EncodedRequest> requests) {
        Loglikelihood[] out = new Loglikelihood[requests.size()];
        List<Integer> plain = new ArrayList<>();
        Map<List<Integer>, List<Integer>> byContext = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            EncodedRequest r = requests.get(i);
            if (r.continuation().length > maxLength)
                throw new IllegalArgumentException("request " + i + ": continuation of " + r.continuation().length
                        + " tokens exceeds max length " + maxLength);
            boolean fits = r.context().length + r.continuation().length <= maxLength + 1;
            if (sharePrefix && fits) byContext.computeIfAbsent(boxed(r.context()), k -> new ArrayList<>()).add(i);
            else plain.add(i);
        }
        List<List<Integer>> groups = new ArrayList<>();
        for (List<Integer> g : byContext.values()) {
            if (g.size() == 1) plain.addAll(g);
            else groups.add(g);
        }
        inference(() -> {
            shared(requests, groups, out);
            batched(requests, plain, out);
        });
        return Arrays.asList(out);
    }

    /**
     * lm-eval's {@code loglikelihood_rolling}: each token list split into disjoint windows of at most maxLength
     * predictions with as much context as fits (the first window conditions on {@code prefixToken}), every token
     * scored once; the sum per list.
     */
    public double[] loglikelihoodRolling(List<int[]> tokenLists, int prefixToken) {
        List<EncodedRequest> windows = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < tokenLists.size(); i++) {
            for (EncodedRequest w : RollingWindows.of(tokenLists.get(i), prefixToken, maxLength)) {
                windows.add(w);
                owners.add(i);
            }
        }
        double[] sums = new double[tokenLists.size()];
        // lm-eval scores the windows in slices of batch-size requests, each its own sorted batch
        for (int s = 0; s < windows.size(); s += batchSize) {
            List<EncodedRequest> slice = windows.subList(s, Math.min(windows.size(), s + batchSize));
            Loglikelihood[] out = new Loglikelihood[slice.size()];
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < slice.size(); i++) idx.add(i);
            inference(() -> batched(slice, idx, out));
            for (int i = 0; i < out.length; i++) sums[owners.get(s + i)] += out[i].logLikelihood();
        }
        return sums;
    }

    /** Runs {@code body} with the model in eval mode (dropout off) and no autograd recording. */
    private void inference(Runnable body) {
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        try (NoGrad g = NoGrad.enter()) {
            body.run();
        } finally {
            model.module().train(wasTraining);
        }
    }

    /** The plain path: sorted longest first (then by tokens, as lm-eval's Collator), batches right-padded. */
    private void batched(List<EncodedRequest> requests, List<Integer> which, Loglikelihood[] out) {
        List<Integer> order = new ArrayList<>(which);
        order.sort(Comparator.<Integer>comparingInt(i -> -total(requests.get(i)))
                .thenComparing((a, b) -> Arrays.compare(requests.get(a).whole(), requests.get(b).whole())));
        for (int s = 0; s < order.size(); s += batchSize) {
            List<Integer> chunk = order.subList(s, Math.min(order.size(), s + batchSize));
            int rows = chunk.size();
            int[][] inputs = new int[rows][];
            int pad = 0;
            for (int b = 0; b < rows; b++) {
                int[] whole = requests.get(chunk.get(b)).whole();
                int from = Math.max(0, whole.length - (maxLength + 1));
                inputs[b] = Arrays.copyOfRange(whole, from, whole.length - 1);
                pad = Math.max(pad, inputs[b].length);
            }
            int[] ids = new int[rows * pad];   // right padding with id 0: causal attention never looks ahead
            for (int b = 0; b < rows; b++) System.arraycopy(inputs[b], 0, ids, b * pad, inputs[b].length);
            try (StepArena arena = StepArena.open()) {
                Tensor logits = model.forward(ids, rows, pad);
                for (int b = 0; b < rows; b++) {
                    int[] cont = requests.get(chunk.get(b)).continuation();
                    int end = inputs[b].length;
                    float[] rowsOfLogits = logits.slice(0, b, b + 1).slice(1, end - cont.length, end).toArray();
                    out[chunk.get(b)] = score(rowsOfLogits, cont);
                }
            }
        }
    }

    /**
     * Contexts shared by several continuations, {@code batchSize} contexts at a time: the contexts left-padded into
     * one batch through a cache (each row's positions count from its first token, padding masked), whose last
     * position predicts every continuation's first token; then every continuation of those contexts in one
     * right-padded batch behind its context's copied keys and values. Few large forwards, since each forward reads
     * (and packs) every weight matrix once.
     */
    private void shared(List<EncodedRequest> requests, List<List<Integer>> groups, Loglikelihood[] out) {
        List<List<Integer>> order = new ArrayList<>(groups);   // longest contexts first: similar lengths, little padding
        order.sort(Comparator.comparingInt(g -> -requests.get(g.get(0)).context().length));
        int vocab = model.config().vocabSize();
        for (int s = 0, next; s < order.size(); s = next) {
            // up to batchSize contexts, fewer when the cache of the longest context plus the longest continuation
            // tail would pass the model's positions (each group alone fits: context + continuation <= maxLength + 1)
            int longestContext = requests.get(order.get(s).get(0)).context().length, longestTail = 0;
            for (next = s; next < order.size() && next - s < batchSize; next++) {
                int t = 0;
                for (int i : order.get(next)) t = Math.max(t, requests.get(i).continuation().length - 1);
                if (next > s && longestContext + Math.max(longestTail, t) > model.config().maxPositions()) break;
                longestTail = Math.max(longestTail, t);
            }
            List<List<Integer>> chunk = order.subList(s, next);
            int docs = chunk.size(), p = requests.get(chunk.get(0).get(0)).context().length, tail = 0, rows = 0;
            int[] ids = new int[docs * p], pads = new int[docs];
            for (int d = 0; d < docs; d++) {
                int[] ctx = requests.get(chunk.get(d).get(0)).context();
                pads[d] = p - ctx.length;
                System.arraycopy(ctx, 0, ids, d * p + pads[d], ctx.length);
                for (int i : chunk.get(d)) tail = Math.max(tail, requests.get(i).continuation().length - 1);
                rows += chunk.get(d).size();
            }
            try (StepArena arena = StepArena.open()) {
                SharedPrefixCache prefix = new SharedPrefixCache(docs, p + tail);
                prefix.pad(pads);
                float[] first = model.nextTokenLogits(ids, docs, p, prefix).toArray();   // [docs, V]: each cont[0]
                int[] docOf = new int[rows], request = new int[rows];
                for (int d = 0, r = 0; d < docs; d++) for (int i : chunk.get(d)) { docOf[r] = d; request[r++] = i; }
                float[] rest = null;
                if (tail > 0) {
                    int[] cont = new int[rows * tail];   // cont[0 .. n-2] of each row, right-padded
                    for (int r = 0; r < rows; r++) {
                        int[] c = requests.get(request[r]).continuation();
                        System.arraycopy(c, 0, cont, r * tail, c.length - 1);
                    }
                    rest = model.forward(cont, rows, tail, prefix.expand(docOf, p + tail)).toArray();
                }
                // scored in place: a per-choice copy of [n, V] logits was garbage the size of the logits again
                for (int r = 0; r < rows; r++) {
                    int[] c = requests.get(request[r]).continuation();
                    Loglikelihood head = score(first, docOf[r] * vocab, c, 0, 1);
                    if (c.length == 1) { out[request[r]] = head; continue; }
                    Loglikelihood tailLl = score(rest, r * tail * vocab, c, 1, c.length);
                    out[request[r]] = new Loglikelihood(head.logLikelihood() + tailLl.logLikelihood(),
                            head.isGreedy() && tailLl.isGreedy());
                }
            }
        }
    }

    /** Sum of log_softmax(logits[j])[cont[j]] over positions j, and whether each cont[j] is its row's argmax. */
    private Loglikelihood score(float[] logits, int[] cont) { return score(logits, 0, cont, 0, cont.length); }

    /** As {@link #score(float[], int[])} for cont[from .. to), whose rows of logits start at {@code offset}. */
    private Loglikelihood score(float[] logits, int offset, int[] cont, int from, int to) {
        int v = model.config().vocabSize();
        double sum = 0;
        boolean greedy = true;
        for (int j = from; j < to; j++) {
            int o = offset + (j - from) * v;
            int arg = 0;
            float max = logits[o];
            for (int k = 1; k < v; k++) if (logits[o + k] > max) { max = logits[o + k]; arg = k; }
            double z = 0;
            for (int k = 0; k < v; k++) z += Math.exp((double) logits[o + k] - max);
            sum += (double) logits[o + cont[j]] - max - Math.log(z);
            if (arg != cont[j]) greedy = false;
        }
        return new Loglikelihood(sum, greedy);
    }

    private static int total(EncodedRequest r) { return r.context().length + r.continuation().length; }

    private static List<Integer> boxed(int[] a) { return Arrays.stream(a).boxed().toList(); }
}
