package cortado.autograd;

import cortado.tensor.Backend;
import cortado.tensor.GradFn;
import cortado.tensor.Tensor;

/**
 * Mean softmax cross-entropy of logits [N, V] against integer targets, skipping rows whose target is ignoreIndex. Fused:
 * the forward pass keeps only the per-row log-sum-exp, and dlogits = (softmax - onehot) * dL / counted.
 */
final class CrossEntropy implements GradFn {
    private final Tensor logits, lse;
    private final int[] targets;
    private final int ignoreIndex, counted;

    private CrossEntropy(Tensor logits, int[] targets, int ignoreIndex, Tensor lse, int counted) {
        this.logits = logits;
        this.targets = targets;
        this.ignoreIndex = ignoreIndex;
        this.lse = lse;
        this.counted = counted;
    }

    static Tensor apply(Tensor logits, int[] targets, int ignoreIndex) {
        if (logits.rank() != 2)
            throw new IllegalArgumentException("crossEntropy needs logits [N, V], got " + logits);
        int n = logits.size(0), v = logits.size(1);
        if (targets.length != n)
            throw new IllegalArgumentException("crossEntropy: " + targets.length + " targets for " + n + " rows of logits");
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (targets[i] < 0 || targets[i] >= v))
                throw new IllegalArgumentException("target " + targets[i] + " at row " + i + " is outside the vocabulary of " + v);
        Backend.CrossEntropyResult r = logits.backend().crossEntropy(logits, targets, ignoreIndex);
        Tensor loss = logits.backend().scalar(r.loss());
        if (Autograd.shouldRecord(logits))
            Autograd.record(loss, new CrossEntropy(logits, targets.clone(), ignoreIndex, r.lse(), r.counted()));
        return loss;
    }

    @Override public Tensor[] inputs() { return new Tensor[] {logits}; }

    @Override
    public Tensor[] backward(Tensor g) {
        if (counted == 0) return new Tensor[] {logits.zerosLike()}; // every row ignored: the loss is constant
        return new Tensor[] {
                logits.backend().crossEntropyBackward(logits, targets, lse, ignoreIndex, g.item(), counted)};
    }
}
