package cortado.eval;

import cortado.tensor.Backend;
import cortado.tensor.Tensor;

/**
 * For pairs k of (logits row, token), {@code log_softmax(logits[rowOf[k]])[targets[k]]} and whether the token is its
 * row's argmax (the first maximal index, as torch's {@code argmax} in lm-eval's is_greedy), computed by the logits'
 * backend where they live: the row's log-sum-exp from the fused cross-entropy kernel (log_softmax(x)[t] = x[t] -
 * logsumexp(x), so the [R, V] log-probabilities are never written), the tokens' logits gathered as rows of the
 * [R*V, 1] view, and each row's max. Only a few numbers per row and pair come to the host.
 *
 * @param logProbs per pair, its token's log-probability
 * @param greedy   per pair, whether its token is the row's argmax
 */
record TokenLogProbs(double[] logProbs, boolean[] greedy) {

    /** @param logits [R, V]; rowOf and targets one entry per pair (a row may serve several pairs) */
    static TokenLogProbs of(Tensor logits, int[] rowOf, int[] targets) {
        if (logits.rank() != 2) throw new IllegalArgumentException("logits must be [R, V], got " + logits);
        if (rowOf.length != targets.length)
            throw new IllegalArgumentException(rowOf.length + " rows for " + targets.length + " targets");
        int r = logits.size(0), v = logits.size(1), n = targets.length;
        if ((long) r * v > Integer.MAX_VALUE)
            throw new IllegalArgumentException("logits " + logits + " have more than 2^31 - 1 elements to gather from");
        Backend be = logits.backend();
        Tensor x = logits.contiguous();
        int[] flat = new int[n];
        for (int k = 0; k < n; k++) {
            if (rowOf[k] < 0 || rowOf[k] >= r || targets[k] < 0 || targets[k] >= v)
                throw new IllegalArgumentException("pair " + k + ": row " + rowOf[k] + ", token " + targets[k]
                        + " outside logits " + logits);
            flat[k] = rowOf[k] * v + targets[k];
        }
        // every row counted (no target equals -1); the target 0 only fills the kernel's per-row loss, unused here
        float[] lse = be.crossEntropy(x, new int[r], -1).lse().toArray();
        float[] max = be.max(x, 1, false).toArray();
        float[] picked = be.embedding(x.reshape(r * v, 1), flat).toArray();
        double[] logProbs = new double[n];
        boolean[] greedy = new boolean[n];
        for (int k = 0; k < n; k++) {
            int row = rowOf[k], t = targets[k];
            logProbs[k] = (double) picked[k] - lse[row];
            // a token equal to the max is the argmax only when no earlier token reaches it (torch takes the first)
            greedy[k] = picked[k] == max[row]
                    && (t == 0 || be.max(x.slice(0, row, row + 1).slice(1, 0, t), 1, false).item() < max[row]);
        }
        return new TokenLogProbs(logProbs, greedy);
    }
}
