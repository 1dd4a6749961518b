package cortado.serve;

import java.util.Arrays;

/**
 * A generated token's log-probability under the model's raw next-token distribution (log-softmax of the logits,
 * before temperature or any other processing: what vLLM returns by default) and the {@code k} most likely tokens with
 * theirs, most likely first.
 */
record TokenLogprob(int id, double logprob, int[] topIds, double[] topLogprobs) {

    /** The entry of token {@code chosen} from the logits {@code [offset, offset + vocab)}, with the top {@code k}. */
    static TokenLogprob of(float[] logits, int offset, int vocab, int chosen, int k) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
        double logZ = max + Math.log(sum);
        int[] top = new int[Math.min(k, vocab)];
        double[] topLp = new double[top.length];
        Arrays.fill(topLp, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < vocab; i++) { // insertion into the k best (k <= 20): ties keep the lower id first
            double x = logits[offset + i];
            int at = top.length;
            while (at > 0 && x > topLp[at - 1]) at--;
            if (at == top.length) continue;
            System.arraycopy(top, at, top, at + 1, top.length - at - 1);
            System.arraycopy(topLp, at, topLp, at + 1, top.length - at - 1);
            top[at] = i;
            topLp[at] = x;
        }
        for (int j = 0; j < top.length; j++) topLp[j] -= logZ;
        return new TokenLogprob(chosen, logits[offset + chosen] - logZ, top, topLp);
    }
}
