package cortado.train.tasks;

import cortado.autograd.F;
import cortado.nn.Module;
import cortado.nn.models.CausalLm;
import cortado.nn.models.SpanLogits;
import cortado.nn.models.bert.BertForMultipleChoice;
import cortado.nn.models.bert.BertForQuestionAnswering;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.BertForTokenClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.TrainingObjective;

/**
 * The loss of a BERT task head on a batch of {@link TaskData} rows, as transformers' head classes compute it with
 * labels: cross-entropy of the label ({@code classify}: num_labels >= 2, single-label; {@code choice}), of every
 * scored position's label ({@code tokens}, -100 ignored), and for {@code qa} the mean of the start and end
 * cross-entropies ({@link SpanLogits#loss}). The model is the head module itself (adapters, when any, live inside
 * it), so the trainer's {@code model} argument is not used.
 */
public final class TaskObjective implements TrainingObjective {
    private final TaskHead head;
    private final Module model;
    private final int choices;

    /** The outputs of one forward: {@code logits} ([B, L], [B*T, L] or [B, C]), or {@code spans} for qa. */
    public record Output(Tensor logits, SpanLogits spans) {}

    public TaskObjective(TaskHead head, Module model, int choices) {
        Class<?> want = switch (head) {
            case CLASSIFY -> BertForSequenceClassification.class;
            case TOKENS -> BertForTokenClassification.class;
            case QA -> BertForQuestionAnswering.class;
            case CHOICE -> BertForMultipleChoice.class;
        };
        if (!want.isInstance(model))
            throw new IllegalArgumentException("--head " + head.flag() + " trains a " + want.getSimpleName() + ", not a "
                    + model.getClass().getSimpleName());
        this.head = head;
        this.model = model;
        this.choices = choices;
    }

    public TaskHead head() { return head; }

    public Module model() { return model; }

    @Override
    public Tensor loss(CausalLm unused, Batches.Batch b) { return loss(b, forward(b)); }

    /** The head's outputs on a batch (records the graph when grad mode is on). */
    public Output forward(Batches.Batch b) {
        int rows = head == TaskHead.CHOICE ? b.batch() * choices : b.batch(), seq = b.seq() / (head == TaskHead.CHOICE ? choices : 1);
        EncoderBatch in = new EncoderBatch(rows, seq, b.inputs(), b.tokenTypes(), b.attentionMask());
        return switch (head) {
            case CLASSIFY -> new Output(((BertForSequenceClassification) model).forward(in), null);
            case TOKENS -> new Output(((BertForTokenClassification) model).forward(in), null);
            case QA -> new Output(null, ((BertForQuestionAnswering) model).forward(in));
            case CHOICE -> new Output(((BertForMultipleChoice) model).forward(in, choices), null);
        };
    }

    /** The HF loss of {@code out} against the batch's targets. */
    public Tensor loss(Batches.Batch b, Output out) {
        return switch (head) {
            case TOKENS -> F.crossEntropy(out.logits(), b.targets(), CausalLm.IGNORE_INDEX);
            case QA -> out.spans().loss(slot(b, 0), slot(b, 1));
            case CLASSIFY, CHOICE -> F.crossEntropy(out.logits(), slot(b, 0), CausalLm.IGNORE_INDEX);
        };
    }

    /** Target slot {@code k} of every row. */
    static int[] slot(Batches.Batch b, int k) {
        int[] out = new int[b.batch()];
        for (int r = 0; r < out.length; r++) out[r] = b.targets()[r * b.seq() + k];
        return out;
    }
}
