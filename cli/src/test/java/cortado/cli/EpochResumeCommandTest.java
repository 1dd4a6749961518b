package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.train.MetricsLog;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --resume} of the epoch recipes ({@code pretrain --objective mlm}, {@code finetune --head}): a run stopped
 * after 2 of 4 epochs and resumed ends with the weights of the run that did 4 in one go, byte for byte, with the same
 * per-epoch metrics and best directory; and the same seed twice gives identical weights (another seed other ones).
 * The schedule is constant, so a 2-epoch run's first steps are the 4-epoch run's; dropout is on (0.1), so its masks
 * must line up across the resume too. Mid-epoch interruption: EpochTrainingResumeTest (in process) and
 * EpochKillAndResumeTest (kill -9). A tiny BERT (2 layers, 32 wide) on 96 rows of the embedded sentiment set.
 */
class EpochResumeCommandTest {
    @TempDir static Path dir;
    static Path train, validation, bert;

    static Path head(String name, int lines) throws Exception {
        try (InputStream in = EpochResumeCommandTest.class.getResourceAsStream("/cortado/tasks/sentiment/" + name)) {
            List<String> all = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return Files.write(dir.resolve(name), all.subList(0, lines), StandardCharsets.UTF_8);
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        train = head("train.jsonl", 96);
        validation = head("validation.jsonl", 32);
        bert = Files.createDirectories(dir.resolve("bert"));
        assertThat(CliRun.run("tokenizer", "train", "--input", train.toString(), "--type", "wordpiece", "--vocab-size",
                "200", "--out", bert.resolve("tokenizer.json").toString()).code()).isZero();
        int vocab = Tokenizers.open(bert.resolve("tokenizer.json")).vocabSize();
        Files.writeString(bert.resolve("config.json"), Json.write(Map.of("model_type", "bert", "vocab_size", vocab,
                "hidden_size", 32, "num_hidden_layers", 2, "num_attention_heads", 2, "intermediate_size", 64,
                "max_position_embeddings", 32, "hidden_dropout_prob", 0.1, "attention_probs_dropout_prob", 0.1,
                "initializer_range", 1 / Math.sqrt(32))), StandardCharsets.UTF_8);
    }

    static String[] mlm(Path out, int epochs, String seed, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--objective", "mlm", "--model", bert.toString(), "--data",
                train.toString(), "--val-data", validation.toString(), "--seq", "32", "--epochs", Integer.toString(epochs),
                "--batch", "8", "--lr", "3e-3", "--schedule", "constant", "--warmup", "0", "--seed", seed, "--out",
                out.toString(), "--threads", "2"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static String[] classify(Path out, int epochs, String seed, String method, String... more) {
        List<String> a = new ArrayList<>(List.of("finetune", "--head", "classify", "--model", bert.toString(), "--data",
                train.toString(), "--val-data", validation.toString(), "--method", method, "--epochs",
                Integer.toString(epochs), "--batch", "8", "--lr", "1e-3", "--schedule", "constant", "--seed", seed,
                "--early-stopping-patience", "3", "--out", out.toString(), "--threads", "2"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static void ok(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertThat(r.code()).as(r.err()).isZero();
    }

    static byte[] bytes(Path p) throws Exception { return Files.readAllBytes(p); }

    /** The epoch lines of metrics.jsonl (validation metrics), then every step's loss. */
    static List<Object> history(Path out) throws Exception {
        List<Object> h = new ArrayList<>();
        for (Map<String, Object> row : MetricsLog.read(out.resolve("metrics.jsonl")))
            h.add(row.containsKey("epoch") ? row : row.get("loss"));
        return h;
    }

    @Test
    void mlmResumedAfterTwoEpochsEqualsFourInOneGo() throws Exception {
        Path whole = dir.resolve("mlm-whole"), split = dir.resolve("mlm-split");
        ok(mlm(whole, 4, "7"));
        ok(mlm(split, 2, "7"));
        CliRun.Result r = CliRun.run(mlm(split, 4, "7", "--resume"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("resuming at step 8 of 16");
        assertThat(bytes(split.resolve("checkpoint/model.safetensors"))).as("final weights")
                .isEqualTo(bytes(whole.resolve("checkpoint/model.safetensors")));
        assertThat(history(split)).as("losses and per-epoch held-out losses").isEqualTo(history(whole));
        assertThat(bytes(split.resolve("best/model.safetensors"))).isEqualTo(bytes(whole.resolve("best/model.safetensors")));

        CliRun.Result done = CliRun.run(mlm(split, 4, "7", "--resume"));
        assertThat(done.code()).isNotZero();
        assertThat(done.err()).contains("error:", "end of epoch 4, not before --epochs 4");
    }

    @Test
    void mlmSameSeedGivesIdenticalWeights() throws Exception {
        Path a = dir.resolve("mlm-a"), b = dir.resolve("mlm-b"), c = dir.resolve("mlm-c");
        ok(mlm(a, 1, "3"));
        ok(mlm(b, 1, "3"));
        ok(mlm(c, 1, "4"));
        assertThat(bytes(b.resolve("checkpoint/model.safetensors"))).isEqualTo(bytes(a.resolve("checkpoint/model.safetensors")));
        assertThat(history(b)).isEqualTo(history(a));
        assertThat(bytes(c.resolve("checkpoint/model.safetensors"))).as("another seed")
                .isNotEqualTo(bytes(a.resolve("checkpoint/model.safetensors")));
    }

    @Test
    void classifierResumedAfterTwoEpochsEqualsFourInOneGo() throws Exception {
        Path whole = dir.resolve("cls-whole"), split = dir.resolve("cls-split");
        ok(classify(whole, 4, "5", "full"));
        ok(classify(split, 2, "5", "full"));
        CliRun.Result r = CliRun.run(classify(split, 4, "5", "full", "--resume"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("resuming at step 24 of 48");
        assertThat(bytes(split.resolve("checkpoint/model.safetensors"))).as("final weights")
                .isEqualTo(bytes(whole.resolve("checkpoint/model.safetensors")));
        assertThat(history(split)).isEqualTo(history(whole));
        assertThat(Files.readString(split.resolve("best/best_metrics.json")))
                .isEqualTo(Files.readString(whole.resolve("best/best_metrics.json")));
        assertThat(bytes(split.resolve("best/model.safetensors"))).isEqualTo(bytes(whole.resolve("best/model.safetensors")));

        CliRun.Result wrong = CliRun.run(classify(split, 6, "5", "lora", "--resume"));
        assertThat(wrong.code()).isNotZero();
        assertThat(wrong.err()).contains("error:", "holds a whole model, not what --method lora trains");
        CliRun.Result none = CliRun.run(classify(dir.resolve("nothing"), 2, "5", "full", "--resume"));
        assertThat(none.err()).contains("error:", "--resume: no checkpoint in");
    }

    @Test
    void loraClassifierResumesAndSameSeedRepeats() throws Exception {
        Path whole = dir.resolve("lora-whole"), again = dir.resolve("lora-again"), split = dir.resolve("lora-split");
        ok(classify(whole, 3, "9", "lora", "--dropout", "0.1"));
        ok(classify(again, 3, "9", "lora", "--dropout", "0.1"));
        ok(classify(split, 1, "9", "lora", "--dropout", "0.1"));
        CliRun.Result r = CliRun.run(classify(split, 3, "9", "lora", "--dropout", "0.1", "--resume"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("resuming at step 12 of 36");
        byte[] adapter = bytes(whole.resolve("checkpoint/adapter_model.safetensors"));
        assertThat(bytes(again.resolve("checkpoint/adapter_model.safetensors"))).as("same seed").isEqualTo(adapter);
        assertThat(bytes(split.resolve("checkpoint/adapter_model.safetensors"))).as("resumed").isEqualTo(adapter);
        assertThat(history(split)).isEqualTo(history(whole));
    }

    @Test
    void classifierSameSeedGivesIdenticalWeights() throws Exception {
        Path a = dir.resolve("cls-a"), b = dir.resolve("cls-b"), c = dir.resolve("cls-c");
        ok(classify(a, 1, "2", "full"));
        ok(classify(b, 1, "2", "full"));
        ok(classify(c, 1, "3", "full"));
        assertThat(bytes(b.resolve("checkpoint/model.safetensors"))).isEqualTo(bytes(a.resolve("checkpoint/model.safetensors")));
        assertThat(history(b)).isEqualTo(history(a));
        assertThat(bytes(c.resolve("checkpoint/model.safetensors"))).as("another seed")
                .isNotEqualTo(bytes(a.resolve("checkpoint/model.safetensors")));
    }
}
