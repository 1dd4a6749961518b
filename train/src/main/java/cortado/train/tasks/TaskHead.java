package cortado.train.tasks;

import java.util.List;

/**
 * The task heads {@code finetune --head} trains on an encoder, each with transformers' class, what a JSONL row holds
 * and the validation metrics it reports (the first is the default for early stopping).
 */
public enum TaskHead {
    /** One label per text: BertForSequenceClassification on the pooled [CLS]. */
    CLASSIFY("classify", "BertForSequenceClassification", List.of("accuracy", "f1", "loss")),
    /** One label per word (its first sub-token): BertForTokenClassification. */
    TOKENS("tokens", "BertForTokenClassification", List.of("f1", "accuracy", "loss")),
    /** A span of the context (start and end token): BertForQuestionAnswering. */
    QA("qa", "BertForQuestionAnswering", List.of("f1", "exact", "loss")),
    /** One of C choices, each encoded with the question: BertForMultipleChoice. */
    CHOICE("choice", "BertForMultipleChoice", List.of("accuracy", "loss"));

    private final String flag, architecture;
    private final List<String> metrics;

    TaskHead(String flag, String architecture, List<String> metrics) {
        this.flag = flag;
        this.architecture = architecture;
        this.metrics = metrics;
    }

    public String flag() { return flag; }

    public String architecture() { return architecture; }

    /** The metrics its evaluation reports; the first is the default one to stop on. */
    public List<String> metrics() { return metrics; }

    /** Whether a larger value of {@code metric} is better (every metric but the loss). */
    public static boolean higherIsBetter(String metric) { return !metric.equals("loss"); }

    /** The head a --head value names, or null. */
    public static TaskHead named(String flag) {
        for (TaskHead h : values()) if (h.flag.equals(flag)) return h;
        return null;
    }
}
