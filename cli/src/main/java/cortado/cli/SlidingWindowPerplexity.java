package cortado.cli;

import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.train.TokenData;

/**
 * Perplexity of a causal LM over a long token sequence with a strided sliding window, exactly as transformers'
 * guide "Perplexity of fixed-length models" computes it (docs/source/en/perplexity.md):
 *
 * <pre>
 * for begin in range(0, n, stride):
 *     end = min(begin + max_length, n);  trg_len = end - prev_end
 *     labels = ids[begin:end] with all but the last trg_len set to -100
 *     loss = model(ids[begin:end], labels=labels).loss        # mean over the shifted labels that are not -100
 *     k = (labels != -100).sum() - 1                            # the guide's num_valid_tokens - batch_size
 *     nll_sum += loss * k;  n_tokens += k;  prev_end = end;  stop when end == n
 * ppl = exp(nll_sum / n_tokens)
 * </pre>
 *
 * The weight k is the guide's: one less than the labels that are not -100. On the first window that is the number of
 * tokens the loss averaged over; on later, overlapping windows the loss averaged over trg_len tokens, one more than k,
 * and the guide still weights it by k, so this does too ({@code tokens} reports the guide's n_tokens). A window with
 * k = 0 (a last window one token past the previous one) adds nothing here; in the guide it adds 0 · NaN.
 */
final class SlidingWindowPerplexity {
    record Result(double perplexity, long tokens, double meanNll) {}

    private SlidingWindowPerplexity() {}

    static Result evaluate(CausalLm model, TokenData data, int maxLength, int stride) {
        long n = data.size();
        if (n < 2) throw new CliException(data.source() + ": holds " + n + " token(s); perplexity needs at least 2");
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        double nllSum = 0;
        long tokens = 0;
        long prevEnd = 0;
        try (NoGrad g = NoGrad.enter()) {
            for (long begin = 0; begin < n; begin += stride) {
                long end = Math.min(begin + maxLength, n);
                int len = (int) (end - begin);
                int trgLen = (int) Math.min(end - prevEnd, len);   // labels kept: the last trg_len of the window
                int weight = trgLen - 1;
                if (weight > 0 && len > 1) {
                    int[] ids = new int[len], targets = new int[len];
                    data.read(begin, ids, 0, len);
                    // targets[t] is the label of ids[t + 1] (the model's shift); the last position predicts nothing.
                    for (int t = 0; t < len; t++)
                        targets[t] = t + 1 < len && t + 1 >= len - trgLen ? ids[t + 1] : CausalLm.IGNORE_INDEX;
                    try (StepArena arena = StepArena.open()) {
                        nllSum += (double) model.loss(ids, targets, 1, len).item() * weight;
                    }
                    tokens += weight;
                }
                prevEnd = end;
                if (end == n) break;
            }
        } finally {
            model.module().train(wasTraining);
        }
        if (tokens == 0) throw new CliException(data.source() + ": no token was scored (too few tokens for a window)");
        double mean = nllSum / tokens;
        return new Result(Math.exp(mean), tokens, mean);
    }
}
