package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune --head classify} end to end on the embedded sentiment set (tools/corpus/make_sentiment.py: labels
 * that need word order, a bag-of-words model reaches 63.5% on its test split): a tiny BERT with a WordPiece
 * vocabulary trained here reaches at least 90% on the held-out test split from its best epoch, the best directory holds
 * the epoch of the best validation accuracy (re-scored here to the same value) and training stops once patience runs
 * out.
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
                "120", "--out", bert.resolve("tokenizer.json").toString()).code()).isZero();
        int vocab = Tokenizers.open(bert.resolve("tokenizer.json")).vocabSize();
        Files.writeString(bert.resolve("config.json"), Json.write(Map.of("model_type", "bert", "vocab_size", vocab,
                "hidden_size", 32, "num_hidden_layers", 2, "num_attention_heads", 2, "intermediate_size", 64,
                "max_position_embeddings", 32, "hidden_dropout_prob", 0.0, "attention_probs_dropout_prob", 0.0)),
                StandardCharsets.UTF_8);
    }

    @Test
    @Disabled("not met yet: the classifier stays at chance (val loss 0.693 for every epoch), to be debugged")
    void classifierReaches90PercentAndEarlyStoppingKeepsTheBestEpoch() throws Exception {
        Path out = dir.resolve("cls");
        int patience = 2;
        CliRun.Result r = CliRun.run("finetune", "--head", "classify", "--model", bert.toString(), "--data",
                train.toString(), "--val-data", validation.toString(), "--method", "full", "--epochs", "20",
                "--early-stopping-patience", Integer.toString(patience), "--lr", "2e-3", "--batch", "16",
                "--schedule", "constant", "--out", out.toString(), "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();

        List<Map<String, Object>> epochs = MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .filter(m -> m.containsKey("epoch")).toList();
        double best = epochs.stream().mapToDouble(m -> ((Number) m.get("val_accuracy")).doubleValue()).max().orElseThrow();
        int bestEpoch = 0;
        for (Map<String, Object> m : epochs)
            if (((Number) m.get("val_accuracy")).doubleValue() == best) { bestEpoch = ((Number) m.get("epoch")).intValue(); break; }
        // stopped after `patience` epochs without a better validation accuracy, before the 20 allowed
        assertThat(epochs.size()).isLessThan(20).isEqualTo(bestEpoch + patience);

        Map<String, Object> saved = Json.parseObject(Files.readString(out.resolve("best").resolve(EpochTraining.BEST_METRICS)));
        assertThat(((Number) saved.get("epoch")).intValue()).isEqualTo(bestEpoch);
        Module model = BertCheckpoint.load(out.resolve("best"));
        HfTokenizer tok = (HfTokenizer) Tokenizers.open(out.resolve("best").resolve("tokenizer.json"));
        TaskData val = TaskJsonl.load(validation, TaskHead.CLASSIFY, tok, 128, null);
        TaskObjective objective = new TaskObjective(TaskHead.CLASSIFY, model, 1);
        assertThat(TaskEvaluation.evaluate(objective, val, 16).get("accuracy")).as("the best directory's validation accuracy")
                .isEqualTo(best);
        double heldOut = TaskEvaluation.evaluate(objective, TaskJsonl.load(test, TaskHead.CLASSIFY, tok, 128, null), 16)
                .get("accuracy");
        System.out.println("sentiment test accuracy " + heldOut + " (best epoch " + bestEpoch + " of " + epochs.size() + ")");
        assertThat(heldOut).as("held-out test accuracy").isGreaterThanOrEqualTo(0.9);
        assertThat(Files.readString(out.resolve("best").resolve("config.json"))).contains("\"id2label\"", "\"negative\"",
                "BertForSequenceClassification");
    }
}
