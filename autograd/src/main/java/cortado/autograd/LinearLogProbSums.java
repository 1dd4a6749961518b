package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per sequence, the sum of log p(target) under {@code logits = hidden @ weight^T + bias} (rows whose target is
 * ignoreIndex add nothing): the completion log-probs of DPO and its kin, with the LM head fused as in
 * {@link LinearCrossEntropy}, {@code chunkRows} rows at a time (rounded to whole sequences), so the [N, V] logits,
 * their log-softmax and gradient never exist at once. Hidden [G*T, C] holds G sequences of T rows; the result is [G].
 *
 * <p>Each sequence's sum is minus its summed cross-entropy, so the backend's fused cross-entropy computes it, per
 * sequence slice of the chunk. Unlike a mean loss, the incoming gradient differs by sequence. When only the hidden
 * states need a gradient (a frozen head, as under LoRA) it is still computed with the forward, unscaled
 * ({@code (softmax - onehot) W} per row), and backward scales each sequence's rows by its incoming gradient. When the
 * head's weight or bias trains, backward recomputes each chunk's logits and forms the gradients with those scales.
 */
final class LinearLogProbSums implements GradFn {
    private final Tensor hidden, weight, bias;
    private final int[] targets;
    private final int ignoreIndex, seq, chunkRows;
    private final List<Tensor> lse;  // per chunk, for the recomputing backward
    private Tensor dHidden;          // d(-sum)/d(hidden), precomputed when only hidden needs a gradient

    private LinearLogProbSums(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex, int seq,
                              int chunkRows, List<Tensor> lse, Tensor dHidden) {
        this.hidden = hidden;
        this.weight = weight;
        this.bias = bias;
        this.targets = targets;
        this.ignoreIndex = ignoreIndex;
        this.seq = seq;
        this.chunkRows = chunkRows;
        this.lse = lse;
        this.dHidden = dHidden;
    }

    static Tensor apply(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex, int seq,
                        int chunkRows) {
        if (hidden.rank() != 2 || weight.rank() != 2 || hidden.size(1) != weight.size(1))
            throw new IllegalArgumentException("linearLogProbSums needs hidden [N, C] and weight [V, C], got " + hidden
                    + " and " + weight);
        int n = hidden.size(0), c = hidden.size(1), v = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != v))
            throw new IllegalArgumentException("linearLogProbSums bias must be [" + v + "], got " + bias);
        if (targets.length != n)
            throw new IllegalArgumentException("linearLogProbSums: " + targets.length + " targets for " + n + " rows");
        if (seq < 1 || n % seq != 0)
            throw new IllegalArgumentException("linearLogProbSums: " + n + " rows are not whole sequences of " + seq);
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (targets[i] < 0 || targets[i] >= v))
                throw new IllegalArgumentException("target " + targets[i] + " at row " + i + " is outside the vocabulary of " + v);
        int chunk = Math.max(1, chunkRows / seq) * seq;   // whole sequences per chunk
        Backend be = hidden.backend();
        boolean record = Autograd.shouldRecord(hidden, weight, bias);
        boolean recompute = record && (weight.requiresGrad() || bias != null && bias.requiresGrad());
        boolean precompute = record && !recompute && hidden.requiresGrad();
        Tensor dh = precompute ? be.zeros(n, c) : null;
        Tensor h = hidden.contiguous();
        Tensor buffer = be.zeros(Math.min(chunk, n), v);
        float[] sums = new float[n / seq];
        List<Tensor> lses = new ArrayList<>();
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int r1 = Math.min(n, r0 + chunk);
            Tensor logits = chunkLogits(be, h.slice(0, r0, r1), weight, bias, buffer);
            for (int s0 = r0; s0 < r1; s0 += seq) {
                int[] t = Arrays.copyOfRange(targets, s0, s0 + seq);
                Tensor part = logits.slice(0, s0 - r0, s0 - r0 + seq);
                Backend.CrossEntropyResult res = be.crossEntropy(part, t, ignoreIndex);
                sums[s0 / seq] = res.counted() == 0 ? 0f : -res.loss() * res.counted();
                if (recompute) lses.add(res.lse());
                // (softmax - onehot) on scored rows, 0 on the others: d(-sum)/d(logits)
                if (precompute) be.crossEntropyBackwardInPlace(part, t, res.lse(), ignoreIndex, 1f, 1);
            }
            if (precompute) be.matmulInto(dh.slice(0, r0, r1), logits, weight, false, false, false);
            if (bias != null) Autograd.releaseNow(logits);
        }
        Autograd.releaseNow(buffer);
        Tensor out = be.fromArray(sums, n / seq);
        if (record)
            Autograd.record(out, new LinearLogProbSums(hidden, weight, bias, targets, ignoreIndex, seq, chunk, lses, dh));
        return out;
    }

    /** {@code hc @ weight^T (+ bias)} for a chunk of rows, in {@code buffer}'s first rows (a new tensor with a bias). */
    private static Tensor chunkLogits(Backend be, Tensor hc, Tensor weight, Tensor bias, Tensor buffer) {
        Tensor logits = buffer.slice(0, 0, hc.size(0));
        be.matmulInto(logits, hc, weight, false, true, false);
        return bias != null ? be.add(logits, bias) : logits;
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {hidden, weight} : new Tensor[] {hidden, weight, bias}; }

    @Override
    public Tensor[] backward(Tensor g) {
        float[] scale = g.toArray();
        if (dHidden != null) {   // precomputed: scale each sequence's rows by minus its incoming gradient
            Tensor dh = dHidden;
            dHidden = null;
            for (int s = 0; s < scale.length; s++)
                dh.backend().scaleInPlace(dh.slice(0, s * seq, (s + 1) * seq), -scale[s]);
            return bias == null ? new Tensor[] {dh, null} : new Tensor[] {dh, null, null};
        }
        Backend be = hidden.backend();
        int n = hidden.size(0), c = hidden.size(1), v = weight.size(0);
        boolean wantH = hidden.requiresGrad(), wantW = weight.requiresGrad(), wantB = bias != null && bias.requiresGrad();
        Tensor dh = wantH ? be.zeros(n, c) : null, dw = wantW ? weight.backend().zeros(v, c) : null;
        Tensor db = wantB ? bias.backend().zeros(v) : null;
        Tensor h = hidden.contiguous();
        Tensor buffer = be.zeros(Math.min(chunkRows, n), v);
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            int r1 = Math.min(n, r0 + chunkRows);
            Tensor hc = h.slice(0, r0, r1);
            Tensor logits = chunkLogits(be, hc, weight, bias, buffer);   // recomputed, as in the forward
            for (int s0 = r0; s0 < r1; s0 += seq) {
                int[] t = Arrays.copyOfRange(targets, s0, s0 + seq);
                be.crossEntropyBackwardInPlace(logits.slice(0, s0 - r0, s0 - r0 + seq), t, lse.get(s0 / seq),
                        ignoreIndex, -scale[s0 / seq], 1);
            }
            if (wantH) be.matmulInto(dh.slice(0, r0, r1), logits, weight, false, false, false);
            if (wantW) be.matmulInto(dw, logits, hc, true, false, true);
            if (wantB) be.axpyInPlace(db, 1f, be.sum(logits, 0, false));
            if (bias != null) Autograd.releaseNow(logits);
        }
        Autograd.releaseNow(buffer);
        return bias == null ? new Tensor[] {dh, dw} : new Tensor[] {dh, dw, db};
    }
}
