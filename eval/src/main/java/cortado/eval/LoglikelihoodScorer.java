package cortado.eval;

import cortado.autograd.F;
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
 * <p>Only the positions whose next token is a continuation token go through the head: the trunk gives the final
 * hidden states ({@link CausalLm#lastHiddenState}), those rows are gathered and projected ({@link CausalLm#lmHead}),
 * and {@link TokenLogProbs} reads their log-probabilities. The full [rows, T, V] logits (for GPT-2 some 200 KB per
 * position) are never made, which is most of what a question allocated (issue 12).
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
                Tensor hidden = model.lastHiddenState(ids, rows, pad);   // [rows, pad, C]
                int n = 0;
                for (int i : chunk) n += requests.get(i).continuation().length;
                int[] at = new int[n], targets = new int[n];   // the positions whose next token is a continuation's
                for (int b = 0, k = 0; b < rows; b++) {
                    int[] cont = requests.get(chunk.get(b)).continuation();
                    int end = inputs[b].length;
                    for (int j = 0; j < cont.length; j++, k++) {
                        at[k] = b * pad + end - cont.length + j;
                        targets[k] = cont[j];
                    }
                }
                TokenLogProbs lp = TokenLogProbs.of(model.lmHead(rowsOf(hidden, at)), identity(n), targets);
                for (int b = 0, k = 0; b < rows; b++) {
                    int len = requests.get(chunk.get(b)).continuation().length;
                    out[chunk.get(b)] = sum(lp, k, k + len);
                    k += len;
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
                Tensor context = model.lastHiddenState(ids, docs, p, prefix);   // [docs, p, C]
                int[] docOf = new int[rows], request = new int[rows];
                for (int d = 0, r = 0; d < docs; d++) for (int i : chunk.get(d)) { docOf[r] = d; request[r++] = i; }
                int[] last = new int[docs];   // each context's last position predicts its continuations' first tokens
                for (int d = 0; d < docs; d++) last[d] = d * p + p - 1;
                Tensor predicting = rowsOf(context, last);
                // continuation token j >= 1 of row r is predicted by row r's tail position j - 1
                int later = 0;
                for (int r = 0; r < rows; r++) later += requests.get(request[r]).continuation().length - 1;
                int[] at = new int[later];
                if (tail > 0) {
                    int[] cont = new int[rows * tail];   // cont[0 .. n-2] of each row, right-padded
                    for (int r = 0, k = 0; r < rows; r++) {
                        int[] c = requests.get(request[r]).continuation();
                        System.arraycopy(c, 0, cont, r * tail, c.length - 1);
                        for (int j = 1; j < c.length; j++) at[k++] = r * tail + j - 1;
                    }
                    Tensor rest = model.lastHiddenState(cont, rows, tail, prefix.expand(docOf, p + tail));
                    predicting = F.concat(0, predicting, rowsOf(rest, at));
                }
                // one head call over [docs + later, C]: a context's row once however many choices it has
                int pairs = rows + later;
                int[] rowOf = new int[pairs], targets = new int[pairs], from = new int[rows + 1];
                for (int r = 0, k = 0, tailRow = docs; r < rows; r++) {
                    int[] c = requests.get(request[r]).continuation();
                    from[r] = k;
                    rowOf[k] = docOf[r];
                    targets[k++] = c[0];
                    for (int j = 1; j < c.length; j++, k++) {
                        rowOf[k] = tailRow++;
                        targets[k] = c[j];
                    }
                    from[r + 1] = k;
                }
                TokenLogProbs lp = TokenLogProbs.of(model.lmHead(predicting), rowOf, targets);
                for (int r = 0; r < rows; r++) out[request[r]] = sum(lp, from[r], from[r + 1]);
            }
        }
    }

    /** Rows {@code at} of hidden {@code [B, T, C]} viewed as {@code [B*T, C]}: the only ones the head projects. */
    private static Tensor rowsOf(Tensor hidden, int[] at) {
        int c = hidden.size(2);
        // F.embedding is a row gather (torch's index_select on dim 0) through the backend's kernel
        return F.embedding(F.reshape(hidden, hidden.size(0) * hidden.size(1), c), at);
    }

    /** The log-likelihood of pairs [from, to): their log-probabilities summed, greedy when each is. */
    private static Loglikelihood sum(TokenLogProbs lp, int from, int to) {
        double sum = 0;
        boolean greedy = true;
        for (int k = from; k < to; k++) {
            sum += lp.logProbs()[k];
            greedy &= lp.greedy()[k];
        }
        return new Loglikelihood(sum, greedy);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    private static int total(EncodedRequest r) { return r.context().length + r.continuation().length; }

    private static List<Integer> boxed(int[] a) { return Arrays.stream(a).boxed().toList(); }
}
