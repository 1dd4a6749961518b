package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.Module;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.train.MetricsLog;
import cortado.train.tasks.EpochTraining;
import cortado.train.tasks.TaskData;
import cortado.train.tasks.TaskEvaluation;
import cortado.train.tasks.TaskHead;
import cortado.train.tasks.TaskJsonl;
import cortado.train.tasks.TaskObjective;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune --head classify} end to end on the embedded sentiment set (tools/corpus/make_sentiment.py: labels
 * that need word order, a bag-of-words model reaches 63.5% on its test split): a tiny BERT trained from scratch here
 * (WordPiece vocabulary of the training texts, every corpus word one token) reaches at least 90% on the held-out test
 * split from its best epoch, the best directory holds the epoch of the best validation accuracy (reloaded and
 * re-scored here to that epoch's logged accuracy and loss, not the last epoch's) and training stops once patience
 * runs out.
 *
 * <p>The model's initializer_range is 1/sqrt(hidden_size): with transformers' default 0.02 (sized for BERT-base's 768)
 * a 32-wide encoder's [CLS] state varies across inputs by about 0.2% of its scale at the start (measured with
 * transformers), so training sits at loss ln 2 for several epochs in both libraries, and patience counted from a
 * flat start stops it there.
 */
class TaskFinetuneCommandTest {
    @TempDir static Path dir;
    static Path train, validation, test, bert;

    static Path resource(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = TaskFinetuneCommandTest.class.getResourceAsStream("/cortado/tasks/sentiment/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    @BeforeAll
    static void setUp() throws Exception {
        train = resource("train.jsonl");
        validation = resource("validation.jsonl");
        test = resource("test.jsonl");
        bert = Files.createDirectories(dir.resolve("bert"));
        assertThat(CliRun.run("tokenizer", "train", "--input", train.toString(), "--type", "wordpiece", "--vocab-size",
                "300", "--out", bert.resolve("tokenizer.json").toString()).code()).isZero();
        int vocab = Tokenizers.open(bert.resolve("tokenizer.json")).vocabSize();
        Files.writeString(bert.resolve("config.json"), Json.write(Map.of("model_type", "bert", "vocab_size", vocab,
                "hidden_size", 32, "num_hidden_layers", 2, "num_attention_heads", 2, "intermediate_size", 64,
                "max_position_embeddings", 32, "hidden_dropout_prob", 0.0, "attention_probs_dropout_prob", 0.0,
                "initializer_range", 1 / Math.sqrt(32))),
                StandardCharsets.UTF_8);
    }

    static double number(Map<String, Object> m, String key) { return ((Number) m.get(key)).doubleValue(); }

    @Test
    void classifierReaches90PercentAndEarlyStoppingKeepsTheBestEpoch() throws Exception {
        Path out = dir.resolve("cls");
        int patience = 2;
        CliRun.Result r = CliRun.run("finetune", "--head", "classify", "--model", bert.toString(), "--data",
                train.toString(), "--val-data", validation.toString(), "--method", "full", "--epochs", "20",
                "--early-stopping-patience", Integer.toString(patience), "--lr", "1e-3", "--batch", "16",
                "--schedule", "constant", "--out", out.toString(), "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();

        List<Map<String, Object>> epochs = MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .filter(m -> m.containsKey("epoch")).toList();
        double best = epochs.stream().mapToDouble(m -> number(m, "val_accuracy")).max().orElseThrow();
        int bestEpoch = 0;
        for (Map<String, Object> m : epochs)
            if (number(m, "val_accuracy") == best) { bestEpoch = (int) number(m, "epoch"); break; }
        assertThat(number(epochs.get(bestEpoch - 1), "epoch")).isEqualTo(bestEpoch);
        // stopped after `patience` epochs without a better validation accuracy, before the 20 allowed
        assertThat(epochs.size()).isLessThan(20).isEqualTo(bestEpoch + patience);

        Map<String, Object> saved = Json.parseObject(Files.readString(out.resolve("best").resolve(EpochTraining.BEST_METRICS)));
        assertThat(((Number) saved.get("epoch")).intValue()).isEqualTo(bestEpoch);
        Module model = BertCheckpoint.load(out.resolve("best"));
        HfTokenizer tok = (HfTokenizer) Tokenizers.open(out.resolve("best").resolve("tokenizer.json"));
        TaskData val = TaskJsonl.load(validation, TaskHead.CLASSIFY, tok, 128, null);
        TaskObjective objective = new TaskObjective(TaskHead.CLASSIFY, model, 1);
        Map<String, Double> rescored = TaskEvaluation.evaluate(objective, val, 16);
        assertThat(rescored.get("accuracy")).as("the best directory's validation accuracy").isEqualTo(best);
        // the loss tells the best epoch's weights from the last epoch's, which may tie on accuracy; 1e-5: the same
        // float32 forward, only the kernels' split over threads may differ
        double bestLoss = number(epochs.get(bestEpoch - 1), "val_loss"), lastLoss = number(epochs.getLast(), "val_loss");
        assertThat(rescored.get("loss")).as("the best directory's validation loss").isCloseTo(bestLoss, within(1e-5))
                .isNotCloseTo(lastLoss, within(1e-5));
        double heldOut = TaskEvaluation.evaluate(objective, TaskJsonl.load(test, TaskHead.CLASSIFY, tok, 128, null), 16)
                .get("accuracy");
        System.out.println("sentiment test accuracy " + heldOut + " (best epoch " + bestEpoch + " of " + epochs.size()
                + ", val accuracy by epoch " + epochs.stream().map(m -> m.get("val_accuracy")).toList() + ")");
        assertThat(heldOut).as("held-out test accuracy").isGreaterThanOrEqualTo(0.9);
        assertThat(Files.readString(out.resolve("best").resolve("config.json"))).contains("\"id2label\"", "\"negative\"",
                "BertForSequenceClassification");
    }
}
