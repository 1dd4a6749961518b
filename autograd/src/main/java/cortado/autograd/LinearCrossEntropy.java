package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * Mean cross-entropy of {@code logits = hidden @ weight^T + bias} against integer targets (rows whose target is
 * ignoreIndex skipped), computed over blocks of {@code chunkRows} rows so the [N, V] logits and their gradient never
 * exist at once: memory O(chunkRows * V) instead of O(N * V). This is the LM head and loss fused as in Liger Kernel's
 * fused linear cross-entropy (Hsu et al. 2024); a 128k-token vocabulary at 32k positions would otherwise need 4.2e9
 * floats of logits.
 *
 * <p>The loss is the last op of a training graph, so its gradient is computed with the loss, chunk by chunk, while
 * each chunk's logits are at hand (no recomputation, the same products as the unfused head): logits_c = h_c W^T (+ b)
 * into one reused [chunkRows, V] buffer; the fused cross-entropy gives each row's log-sum-exp and the chunk's loss;
 * dlogits_c = (softmax - onehot) / counted, written over the logits in the same buffer; then dHidden_c = dlogits_c W, dW += dlogits_c^T h_c, db += column sums.
 * Backward only scales these by the incoming gradient (1 for a plain {@code backward(loss)}). Without grad mode (validation)
 * only the loss is computed. Chunks are fixed by chunkRows (never by the thread count) and summed in order, so the
 * result is deterministic; it equals the unfused linear + crossEntropy up to the order of those sums.
 */
final class LinearCrossEntropy implements GradFn {
    private final Tensor hidden, weight, bias;
    private Tensor dHidden, dWeight, dBias;   // dL/d(input) for a loss gradient of 1; null when not wanted

    private LinearCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, Tensor dHidden, Tensor dWeight, Tensor dBias) {
        this.hidden = hidden;
        this.weight = weight;
        this.bias = bias;
        this.dHidden = dHidden;
        this.dWeight = dWeight;
        this.dBias = dBias;
    }

    static Tensor apply(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex, int chunkRows) {
        if (hidden.rank() != 2 || weight.rank() != 2 || hidden.size(1) != weight.size(1))
            throw new IllegalArgumentException("linearCrossEntropy needs hidden [N, C] and weight [V, C], got " + hidden
                    + " and " + weight);
        int n = hidden.size(0), c = hidden.size(1), v = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != v))
            throw new IllegalArgumentException("linearCrossEntropy bias must be [" + v + "], got " + bias);
        if (targets.length != n)
            throw new IllegalArgumentException("linearCrossEntropy: " + targets.length + " targets for " + n + " rows");
        int counted = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] == ignoreIndex) continue;
            if (targets[i] < 0 || targets[i] >= v)
                throw new IllegalArgumentException("target " + targets[i] + " at row " + i + " is outside the vocabulary of " + v);
            counted++;
        }
        if (chunkRows < 1) throw new IllegalArgumentException("linearCrossEntropy chunkRows must be >= 1, got " + chunkRows);
        Backend be = hidden.backend();
        boolean record = Autograd.shouldRecord(hidden, weight, bias);
        boolean wantH = record && hidden.requiresGrad(), wantW = record && weight.requiresGrad();
        boolean wantB = record && bias != null && bias.requiresGrad();
        Tensor dh = wantH ? be.zeros(n, c) : null, dw = wantW ? weight.backend().zeros(v, c) : null;
        Tensor db = wantB ? bias.backend().zeros(v) : null;
        Tensor h = hidden.contiguous();
        Tensor buffer = n == 0 ? null : be.zeros(Math.min(chunkRows, n), v);
        double total = 0;
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            int r1 = Math.min(n, r0 + chunkRows);
            int[] t = Arrays.copyOfRange(targets, r0, r1);
            Tensor hc = h.slice(0, r0, r1);
            Tensor logits = buffer.slice(0, 0, r1 - r0);
            be.matmulInto(logits, hc, weight, false, true, false);
            if (bias != null) logits = be.add(logits, bias);
            Backend.CrossEntropyResult r = be.crossEntropy(logits, t, ignoreIndex);
            total += r.counted() == 0 ? 0 : (double) r.loss() * r.counted(); // a chunk of ignored rows adds nothing
            if (r.counted() > 0 && (wantH || wantW || wantB)) {
                be.crossEntropyBackwardInPlace(logits, t, r.lse(), ignoreIndex, 1f, counted); // logits read for the last time
                Tensor dlogits = logits;
                if (wantH) be.matmulInto(dh.slice(0, r0, r1), dlogits, weight, false, false, false);
                if (wantW) be.matmulInto(dw, dlogits, hc, true, false, true);
                if (wantB) be.axpyInPlace(db, 1f, be.sum(dlogits, 0, false));
            }
            if (bias != null) Autograd.releaseNow(logits); // this chunk's logits + bias, a tensor of its own
        }
        // The chunk buffer is read for the last time: inside a step arena it goes back to the pool now rather than at
        // the end of the step, so it is not held through the whole backward pass.
        if (buffer != null) Autograd.releaseNow(buffer);
        Tensor loss = be.scalar(counted == 0 ? Float.NaN : (float) (total / counted));
        if (record) Autograd.record(loss, new LinearCrossEntropy(hidden, weight, bias, dh, dw, db));
        return loss;
    }

    @Override
    public Tensor[] inputs() { return bias == null ? new Tensor[] {hidden, weight} : new Tensor[] {hidden, weight, bias}; }

    /** The gradients computed with the loss, scaled in place by dL/dloss and handed over (backward runs once). */
    @Override
    public Tensor[] backward(Tensor g) {
        float scale = g.item();
        Tensor[] grads = {dHidden, dWeight, dBias};
        for (Tensor t : grads) if (t != null && scale != 1f) t.backend().scaleInPlace(t, scale);
        dHidden = dWeight = dBias = null;
        return bias == null ? new Tensor[] {grads[0], grads[1]} : grads;
    }
}
