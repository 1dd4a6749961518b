package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * Mean cross-entropy of {@code logits = hidden @ weight^T + bias} against integer targets (rows whose target is
 * ignoreIndex skipped), computed over blocks of {@code chunkRows} rows so the [N, V] logits and their gradient never
 * exist at once: memory O(chunkRows * V) instead of O(N * V). This is the LM head and loss fused as in Liger Kernel's
 * fused linear cross-entropy and Cut Cross-Entropy (Wijmans et al. 2024); a 128k-token vocabulary at 32k positions
 * would otherwise need 4.2e9 floats of logits.
 *
 * <p>Forward: per chunk, logits = h_c W^T (+ b) into one reused [chunkRows, V] buffer, then the fused cross-entropy
 * keeps each row's log-sum-exp and the chunk's loss. Backward recomputes each chunk's logits, turns them into
 * dlogits = (softmax - onehot) * g / counted, and writes dHidden_c = dlogits W, adds dW += dlogits^T h_c and
 * db += column sums of dlogits. Chunks are fixed by chunkRows (never by the thread count) and summed in order, so the
 * result is deterministic; it equals the unfused linear + crossEntropy up to the order of those sums.
 */
final class LinearCrossEntropy implements GradFn {
    private final Tensor hidden, weight, bias, lse;
    private final int[] targets;
    private final int ignoreIndex, chunkRows, counted;

    private LinearCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex,
                               int chunkRows, Tensor lse, int counted) {
        this.hidden = hidden;
        this.weight = weight;
        this.bias = bias;
        this.targets = targets;
        this.ignoreIndex = ignoreIndex;
        this.chunkRows = chunkRows;
        this.lse = lse;
        this.counted = counted;
    }

    static Tensor apply(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex, int chunkRows) {
        if (hidden.rank() != 2 || weight.rank() != 2 || hidden.size(1) != weight.size(1))
            throw new IllegalArgumentException("linearCrossEntropy needs hidden [N, C] and weight [V, C], got " + hidden
                    + " and " + weight);
        int n = hidden.size(0), v = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != v))
            throw new IllegalArgumentException("linearCrossEntropy bias must be [" + v + "], got " + bias);
        if (targets.length != n)
            throw new IllegalArgumentException("linearCrossEntropy: " + targets.length + " targets for " + n + " rows");
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (targets[i] < 0 || targets[i] >= v))
                throw new IllegalArgumentException("target " + targets[i] + " at row " + i + " is outside the vocabulary of " + v);
        if (chunkRows < 1) throw new IllegalArgumentException("linearCrossEntropy chunkRows must be >= 1, got " + chunkRows);
        Backend be = hidden.backend();
        Tensor h = hidden.contiguous();
        Tensor lse = Tensor.zeros(n);
        Tensor buffer = n == 0 ? null : Tensor.zeros(Math.min(chunkRows, n), v);
        double total = 0;
        int counted = 0;
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            int r1 = Math.min(n, r0 + chunkRows);
            int[] t = Arrays.copyOfRange(targets, r0, r1);
            Tensor logits = chunkLogits(be, h, weight, bias, r0, r1, buffer);
            Backend.CrossEntropyResult r = be.crossEntropy(logits, t, ignoreIndex);
            be.copyInto(lse.slice(0, r0, r1), r.lse());
            if (r.counted() > 0) {
                total += (double) r.loss() * r.counted();
                counted += r.counted();
            }
        }
        Tensor loss = Tensor.scalar(counted == 0 ? Float.NaN : (float) (total / counted));
        if (Autograd.shouldRecord(hidden, weight, bias))
            Autograd.record(loss, new LinearCrossEntropy(hidden, weight, bias, targets.clone(), ignoreIndex, chunkRows,
                    lse, counted));
        return loss;
    }

    /** logits of rows [r0, r1) into the top of {@code buffer} (plus the bias, into a new tensor). */
    private static Tensor chunkLogits(Backend be, Tensor h, Tensor weight, Tensor bias, int r0, int r1, Tensor buffer) {
        Tensor logits = buffer.slice(0, 0, r1 - r0);
        be.matmulInto(logits, h.slice(0, r0, r1), weight, false, true, false);
        return bias == null ? logits : be.add(logits, bias);
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {hidden, weight} : new Tensor[] {hidden, weight, bias}; }

    @Override
    public Tensor[] backward(Tensor g) {
        int n = hidden.size(0), c = hidden.size(1), v = weight.size(0);
        boolean wantH = hidden.requiresGrad(), wantW = weight.requiresGrad(), wantB = bias != null && bias.requiresGrad();
        Tensor dh = wantH ? Tensor.zeros(n, c) : null, dw = wantW ? Tensor.zeros(v, c) : null;
        Tensor db = wantB ? Tensor.zeros(v) : null;
        if (counted > 0 && n > 0) { // else every row is ignored: the loss is constant, all gradients zero
            Backend be = g.backend();
            float scale = g.item();
            Tensor h = hidden.contiguous();
            Tensor buffer = Tensor.zeros(Math.min(chunkRows, n), v);
            for (int r0 = 0; r0 < n; r0 += chunkRows) {
                int r1 = Math.min(n, r0 + chunkRows);
                Tensor hc = h.slice(0, r0, r1);
                Tensor logits = chunkLogits(be, h, weight, bias, r0, r1, buffer);
                Tensor dlogits = be.crossEntropyBackward(logits, Arrays.copyOfRange(targets, r0, r1),
                        lse.slice(0, r0, r1), ignoreIndex, scale, counted);
                if (wantH) be.matmulInto(dh.slice(0, r0, r1), dlogits, weight, false, false, false);
                if (wantW) be.matmulInto(dw, dlogits, hc, true, false, true);
                if (wantB) be.axpyInPlace(db, 1f, be.sum(dlogits, 0, false));
            }
        }
        return bias == null ? new Tensor[] {dh, dw} : new Tensor[] {dh, dw, db};
    }
}
