package cortado.cli;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.train.TokenData;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Validation perplexity, exp(mean next-token cross-entropy), over consecutive non-overlapping windows of {@code seq}
 * tokens (every window predicts its {@code seq} successors; the same tokens every time, so a model before and after
 * quantization or pruning is compared on identical data). The default data is the demo's own validation tail (the
 * last 10% of the demo corpus, exactly what {@code cortado demo} validates on).
 */
final class ValidationPerplexity {
    /** Mean loss in nats per token over {@code tokens} predictions. */
    record Result(double loss, long tokens) {
        double perplexity() { return Math.exp(loss); }
    }

    private ValidationPerplexity() {}

    /** The data to evaluate on: {@code file} tokenized with the model's tokenizer, or the demo validation tail. */
    static TokenData data(Path file, CausalLm model, Path modelDir) throws IOException {
        if (file != null) {
            Tokenizer tok = ModelTokenizer.forModel(model, null, modelDir);
            return TokenData.load(file, tok, model.config().vocabSize());
        }
        if (model.config().vocabSize() != new ByteTokenizer().vocabSize())
            throw new CliException("the default validation data is the byte-level demo corpus, which does not fit this"
                    + " model's vocabulary of " + model.config().vocabSize() + "; pass --data FILE");
        TokenData all = TokenData.of(new ByteTokenizer().encode(DemoCommand.corpus()), "demo corpus");
        return TrainingRun.splitTail(all, 0.1, DemoCommand.SEQ)[1];
    }

    /** Evaluates windows of {@code seq} (capped at the model's context), {@code batch} windows per forward pass. */
    static Result evaluate(CausalLm model, TokenData data, int seq, int batch) {
        seq = Math.min(seq, model.config().maxPositions());
        long windows = (data.size() - 1) / seq;
        if (windows == 0)
            throw new CliException(data.source() + ": holds " + data.size() + " tokens, too few for one window of "
                    + (seq + 1));
        boolean wasTraining = model.module().isTraining();
        model.module().train(false);
        double sum = 0;
        long count = 0;
        try (NoGrad g = NoGrad.enter()) {
            for (long w0 = 0; w0 < windows; w0 += batch) {
                int b = (int) Math.min(batch, windows - w0);
                int[] ids = new int[b * seq], targets = new int[b * seq];
                for (int r = 0; r < b; r++) {
                    long start = (w0 + r) * seq;
                    for (int t = 0; t < seq; t++) {
                        ids[r * seq + t] = data.get(start + t);
                        targets[r * seq + t] = data.get(start + t + 1);
                    }
                }
                // the model's loss: head and cross-entropy chunked over rows, so [b*seq, V] logits never exist; the
                // arena gives every buffer back for the next batch (and each layer's as soon as it has run)
                try (StepArena arena = StepArena.open()) {
                    sum += (double) model.loss(ids, targets, b, seq).item() * b * seq;
                }
                count += (long) b * seq;
            }
        } finally {
            model.module().train(wasTraining);
        }
        return new Result(sum / count, count);
    }
}
