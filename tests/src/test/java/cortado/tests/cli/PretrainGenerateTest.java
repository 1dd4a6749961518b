package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through the command line: pretrain a tiny preset, resume it, generate from its checkpoint. */
class PretrainGenerateTest {
    @TempDir Path dir;

    @Test
    void pretrainResumeAndGenerate() throws Exception {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog. ".repeat(200));
        Path out = dir.resolve("run");
        String[] common = {"pretrain", "--model", "gpt2-tiny", "--data", data.toString(), "--batch", "2",
                "--seq", "32", "--lr", "3e-3", "--warmup", "1", "--val-every", "2", "--val-batches", "2",
                "--out", out.toString(), "--threads", "2"};

        CliRunner.Result r = CliRunner.run(concat(common, "--steps", "4"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("step 4/4", "wrote");
        List<Map<String, Object>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(rows).hasSize(4);
        assertThat(rows.get(3)).containsKeys("step", "loss", "lr", "grad_norm", "tokens_per_s", "step_ms", "val_loss");
        Path ckpt = out.resolve("checkpoint");
        assertThat(ckpt.resolve("config.json")).isRegularFile();
        assertThat(ckpt.resolve("model.safetensors")).isRegularFile();
        assertThat(ckpt.resolve("optimizer.safetensors")).isRegularFile();
        assertThat(ckpt.resolve("trainer_state.json")).isRegularFile();
        byte[] png = Files.readAllBytes(out.resolve("loss.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');

        // --resume continues at step 4 and appends steps 5 and 6
        r = CliRunner.run(concat(common, "--steps", "6", "--resume"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("resuming at step 4 of 6");
        rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(rows).extracting(m -> ((Number) m.get("step")).intValue()).containsExactly(1, 2, 3, 4, 5, 6);

        r = CliRunner.run("generate", "--model", ckpt.toString(), "--prompt", "the quick", "--max-new-tokens", "12",
                "--temperature", "0", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("the quick");
        assertThat(r.out().strip().length()).isGreaterThan("the quick".length());

        // the run directory works too: its checkpoint/ is used
        CliRunner.Result fromRun = CliRunner.run("generate", "--model", out.toString(), "--prompt", "the quick",
                "--max-new-tokens", "12", "--temperature", "0", "--threads", "1");
        assertThat(fromRun.code()).as(fromRun.err()).isZero();
        assertThat(fromRun.out()).isEqualTo(r.out());
    }

    @Test
    void aTrainedTokenizerTravelsWithTheCheckpoint() throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello world, hello there\n".repeat(300));
        Path tokJson = dir.resolve("tokenizer.json");
        // 256 byte tokens + <|endoftext|> = 257 = the byte-level presets' vocabulary
        CliRunner.Result r = CliRunner.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "257",
                "--out", tokJson.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Path out = dir.resolve("bpe-run");
        r = CliRunner.run("pretrain", "--model", "llama-tiny", "--data", text.toString(), "--tokenizer",
                tokJson.toString(), "--steps", "2", "--batch", "2", "--seq", "16", "--val-every", "0",
                "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("checkpoint/tokenizer.json")).isRegularFile();
        r = CliRunner.run("generate", "--model", out.resolve("checkpoint").toString(), "--prompt", "hello",
                "--max-new-tokens", "5", "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("hello");
    }

    @Test
    void sequentialOrderOnAnLlmcTokenFile() throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1024 + 2 * 3000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(20240520).putInt(1).putInt(3000);
        b.position(1024);
        for (int i = 0; i < 3000; i++) b.putShort((short) ("abcabd".charAt(i % 6)));
        Path data = dir.resolve("tokens.bin");
        Files.write(data, b.array());
        CliRunner.Result r = CliRunner.run("pretrain", "--model", "llama-tiny", "--data", data.toString(), "--steps", "3",
                "--batch", "2", "--seq", "16", "--data-order", "sequential", "--schedule", "constant", "--val-every", "0",
                "--out", dir.resolve("seq").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(MetricsLog.read(dir.resolve("seq/metrics.jsonl"))).hasSize(3);
    }

    @Test
    void demoRunsEndToEndOnItsEmbeddedCorpus() throws Exception {
        Path out = dir.resolve("demo");
        CliRunner.Result r = CliRunner.run("demo", "--steps", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Before training (validation loss", "> Once upon a time", "After 2 steps");
        assertThat(MetricsLog.read(out.resolve("metrics.jsonl"))).hasSize(2);
        assertThat(out.resolve("loss.png")).isRegularFile();
        assertThat(out.resolve("checkpoint/model.safetensors")).isRegularFile();
    }

    @Test
    void benchSgemmPrintsOneJsonLinePerSize() {
        CliRunner.Result r = CliRunner.run("bench", "sgemm", "--sizes", "16,32", "--repeats", "2", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"size\":16,\"gflops\":");
        assertThat(lines.get(1)).startsWith("{\"size\":32,\"gflops\":");
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
