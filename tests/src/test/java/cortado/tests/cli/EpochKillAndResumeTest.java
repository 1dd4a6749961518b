package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.train.MetricsLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of an epoch recipe ({@code pretrain --objective mlm}, {@code finetune --head
 * classify}), inside its second epoch, then {@code --resume}, gives exactly the run that was never interrupted: every
 * step's loss, every epoch's validation line, the final weights and the best epoch's. The checkpoint (every
 * --save-every steps inside an epoch, and after each epoch's evaluation) holds the model, AdamW's moments, the step,
 * the epoch data position and the early-stopping state, and MLM's masks come from (seed, batch index), so nothing
 * depends on where the child died. A tiny BERT with dropout 0.1 on generated sentences.
 */
class EpochKillAndResumeTest {
    @TempDir Path dir;

    private static final int SAVE_EVERY = 5;
    private static final String[] WORDS = ("the a quick brown fox dog cat jumps runs sleeps over under lazy happy little"
            + " big river tree").split(" ");

    /** Each step's loss and each epoch's line (the timing fields differ between runs). */
    static List<Object> history(Path metrics) throws Exception {
        List<Object> h = new ArrayList<>();
        for (Map<String, Object> row : MetricsLog.read(metrics)) h.add(row.containsKey("epoch") ? row : row.get("loss"));
        return h;
    }

    static List<String> sentences(int n) {
        Random rng = new Random(1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int w = 0, k = 4 + rng.nextInt(8); w < k; w++) s.append(w == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
            lines.add(s.toString());
        }
        return lines;
    }

    /** A BERT config.json and a WordPiece tokenizer trained on {@code text}. */
    Path bert(Path text) throws Exception {
        Path bert = Files.createDirectories(dir.resolve("bert"));
        assertThat(CliRunner.run("tokenizer", "train", "--input", text.toString(), "--type", "wordpiece", "--vocab-size",
                "120", "--out", bert.resolve("tokenizer.json").toString()).code()).isZero();
        int vocab = Tokenizers.open(bert.resolve("tokenizer.json")).vocabSize();
        Files.writeString(bert.resolve("config.json"), Json.write(Map.of("model_type", "bert", "vocab_size", vocab,
                "hidden_size", 32, "num_hidden_layers", 2, "num_attention_heads", 2, "intermediate_size", 64,
                "max_position_embeddings", 32, "hidden_dropout_prob", 0.1, "attention_probs_dropout_prob", 0.1,
                "initializer_range", 1 / Math.sqrt(32))), StandardCharsets.UTF_8);
        return bert;
    }

    @Test
    void mlmKilledMidEpochThenResumedMatchesAnUninterruptedRun() throws Exception {
        Path data = Files.write(dir.resolve("corpus.txt"), sentences(300), StandardCharsets.UTF_8);
        Path bert = bert(data);
        killAndResume(out -> new String[] {"pretrain", "--objective", "mlm", "--model", bert.toString(), "--data",
                data.toString(), "--seq", "32", "--epochs", "4", "--batch", "4", "--lr", "2e-3", "--warmup", "3",
                "--schedule", "linear", "--early-stopping-patience", "2", "--save-every", Integer.toString(SAVE_EVERY),
                "--seed", "21", "--out", out.toString(), "--threads", "2"}, "model.safetensors");
    }

    @Test
    void classifierKilledMidEpochThenResumedMatchesAnUninterruptedRun() throws Exception {
        List<String> rows = new ArrayList<>(), text = sentences(240);
        for (String s : text)   // label: does "dog" come before "cat"? (word order matters)
            rows.add(Json.write(Map.of("text", s, "label", s.indexOf("dog") >= 0 && (s.indexOf("cat") < 0
                    || s.indexOf("dog") < s.indexOf("cat")) ? "yes" : "no")));
        Path data = Files.write(dir.resolve("rows.jsonl"), rows, StandardCharsets.UTF_8);
        Path bert = bert(Files.write(dir.resolve("text.txt"), text, StandardCharsets.UTF_8));
        killAndResume(out -> new String[] {"finetune", "--head", "classify", "--model", bert.toString(), "--data",
                data.toString(), "--method", "full", "--epochs", "4", "--batch", "4", "--lr", "1e-3", "--warmup", "3",
                "--early-stopping-patience", "2", "--save-every", Integer.toString(SAVE_EVERY), "--seed", "21", "--out",
                out.toString(), "--threads", "2"}, "model.safetensors");
    }

    interface Command { String[] args(Path out); }

    private void killAndResume(Command command, String weights) throws Exception {
        Path whole = dir.resolve("whole");
        CliRunner.Result r = CliRunner.run(command.args(whole));
        assertThat(r.code()).as(r.err()).isZero();
        List<Object> reference = history(whole.resolve("metrics.jsonl"));

        // The same run in a child JVM, killed (SIGKILL) a few steps after a checkpoint inside its second epoch.
        Path killed = dir.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "cortado.cli.Main"));
        cmd.addAll(List.of(command.args(killed)));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        Path state = killed.resolve("checkpoint/trainer_state.json"), metrics = killed.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (child.isAlive() && System.nanoTime() < deadline) {
            if (Files.isRegularFile(state) && Files.isRegularFile(metrics)) {
                int after = -1;   // step lines after epoch 1's line
                for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                    if (line.startsWith("{\"epoch\":1,")) after = 0;
                    else if (after >= 0) after++;
                }
                if (after >= SAVE_EVERY + 2) break;
            }
            Thread.sleep(1);
        }
        assertThat(child.isAlive()).as("the child was still training when killed (log: "
                + Files.readString(dir.resolve("child.log")) + ")").isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by a signal").isNotZero();
        assertThat(history(metrics).size()).as("lines logged before the kill").isLessThan(reference.size());

        List<String> resume = new ArrayList<>(List.of(command.args(killed)));
        resume.add("--resume");
        r = CliRunner.run(resume.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("resuming at step [1-9]\\d* of ");
        r.out().lines().filter(l -> l.contains("resuming at step")).forEach(System.out::println);
        assertThat(history(metrics)).as("losses and epoch lines after kill -9 and --resume").isEqualTo(reference);
        assertThat(Files.readAllBytes(killed.resolve("checkpoint").resolve(weights)))
                .as("final parameters").isEqualTo(Files.readAllBytes(whole.resolve("checkpoint").resolve(weights)));
        assertThat(Files.readAllBytes(killed.resolve("best").resolve(weights)))
                .as("the best epoch's parameters").isEqualTo(Files.readAllBytes(whole.resolve("best").resolve(weights)));
    }
}
