package cortado.eval.safety;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.SequenceClassificationCheckpoint;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.StepArena;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A sequence-classification checkpoint as a screen (a toxicity or safety classifier in transformers' layout:
 * {@code BertForSequenceClassification}, or a GPT-2/Llama-family {@code ...ForSequenceClassification}): each
 * completion tokenized by the checkpoint's tokenizer as {@code tokenizer(text, truncation=True)} does (special
 * tokens added, then cut to the model's positions; transformers would keep a final [SEP] there), the logits turned into probabilities (softmax over the
 * labels; a single logit through a sigmoid), and the text flagged when the chosen label's probability reaches the
 * threshold.
 */
public final class ClassifierScreen implements Screen {
    private final String name, labelName;
    private final int label;
    private final double threshold;
    private final Function<int[], float[]> logits;
    private final Tokenizer tokenizer;
    private final int maxTokens;

    private ClassifierScreen(String name, Function<int[], float[]> logits, Tokenizer tokenizer, int maxTokens, int label,
                             String labelName, double threshold) {
        this.name = name;
        this.logits = logits;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.label = label;
        this.labelName = labelName;
        this.threshold = threshold;
    }

    /**
     * @param label     the unsafe label: a name in config.json's id2label or an index
     * @param threshold flag at this probability or above
     */
    public static ClassifierScreen load(Path dir, String label, double threshold) {
        if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("classifier threshold " + threshold + " outside [0, 1]");
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        Map<?, ?> id2label = config.get("id2label") instanceof Map<?, ?> m ? m : Map.of();
        Tokenizer tok = Tokenizers.hasTokenizer(dir) ? Tokenizers.open(dir) : null;
        Function<int[], float[]> run;
        int labels, positions;
        if ("bert".equals(config.get("model_type"))) {
            BertForSequenceClassification bert = BertCheckpoint.loadSequenceClassification(dir);
            labels = bert.config().numLabels();
            positions = bert.config().maxPositionEmbeddings();
            run = ids -> bert.forward(new EncoderBatch(1, ids.length, ids, null, null)).toArray();
        } else {
            if (!SequenceClassificationCheckpoint.isSequenceClassification(dir))
                throw new IllegalArgumentException(dir + ": config.json names no ...ForSequenceClassification architecture");
            DecoderForSequenceClassification dec = SequenceClassificationCheckpoint.load(dir);
            dec.eval();
            labels = dec.numLabels();
            positions = dec.decoder().config().maxPositions();
            run = ids -> dec.forward(ids, 1, ids.length).toArray();
            if (tok == null && dec.decoder().config().vocabSize() == new ByteTokenizer().vocabSize()) tok = new ByteTokenizer();
        }
        if (tok == null) throw new IllegalArgumentException(dir + ": the classifier has no tokenizer files");
        int index = -1;
        for (var e : id2label.entrySet()) if (String.valueOf(e.getValue()).equals(label)) index = Integer.parseInt(String.valueOf(e.getKey()));
        if (index < 0) {
            try {
                index = Integer.parseInt(label);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(dir + ": no label '" + label + "' in id2label " + id2label.values());
            }
        }
        if (index < 0 || index >= labels)
            throw new IllegalArgumentException(dir + ": label " + index + " outside the classifier's " + labels + " labels");
        Object labelName = id2label.get(Integer.toString(index));
        return new ClassifierScreen("classifier:" + dir.getFileName(), run, tok, positions, index,
                labelName == null ? "label " + index : String.valueOf(labelName), threshold);
    }

    @Override public String name() { return name; }

    /** The chosen label's probability for {@code text}. */
    public double probability(String text) {
        int[] ids = tokenizer instanceof HfTokenizer hf ? hf.encodeForModel(text) : tokenizer.encode(text);
        if (ids.length == 0) ids = new int[] {tokenizer.endOfTextId()};
        if (ids.length > maxTokens) ids = Arrays.copyOf(ids, maxTokens);
        float[] z;
        int[] input = ids;
        try (NoGrad g = NoGrad.enter(); StepArena arena = StepArena.open()) {
            z = logits.apply(input);
        }
        if (z.length == 1) return 1 / (1 + Math.exp(-z[0]));
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : z) max = Math.max(max, v);
        for (float v : z) sum += Math.exp(v - max);
        return Math.exp(z[label] - max) / sum;
    }

    @Override
    public List<Flag> screen(String text) {
        double p = probability(text);
        return p >= threshold ? List.of(new Flag(name, String.format(Locale.ROOT, "P(%s) = %.3f", labelName, p))) : List.of();
    }
}
