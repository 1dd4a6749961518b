package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.llama.LlamaConfig;
import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
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
        // The continuation (not just the echoed prompt) is the checkpoint's own greedy decoding of the bytes.
        CausalLm trained = HfCheckpoint.load(ckpt);
        int[] expected = new Generator(trained).generate(new ByteTokenizer().encode("the quick"), 12, Sampler.greedy(),
                Set.of(ByteTokenizer.END_OF_TEXT), null);
        String continuation = new ByteTokenizer().decode(expected);
        assertThat(continuation).isNotEmpty();
        assertThat(r.out()).isEqualTo("the quick" + continuation + "\n");

        // the run directory works too: its checkpoint/ is used
        CliRunner.Result fromRun = CliRunner.run("generate", "--model", out.toString(), "--prompt", "the quick",
                "--max-new-tokens", "12", "--temperature", "0", "--threads", "1");
        assertThat(fromRun.code()).as(fromRun.err()).isZero();
        assertThat(fromRun.out()).isEqualTo(r.out());
    }

    /**
     * A BPE tokenizer with merges (vocabulary 300 > the 257 bytes + end-of-text) trained on the text, a tiny Llama of
     * that vocabulary pretrained with it: the tokenizer.json must travel with the checkpoint and be the one generate
     * uses. Without it, generate cannot run (300 ids are not bytes); with the wrong one, the merged ids would not decode
     * to the text; and the model must have learned the corpus, so the completion continues it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aTrainedTokenizerTravelsWithTheCheckpoint() throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "hello world, hello there\n".repeat(300));
        Path tokJson = dir.resolve("tokenizer.json");
        CliRunner.Result r = CliRunner.run("tokenizer", "train", "--input", text.toString(), "--vocab-size", "300",
                "--out", tokJson.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Tokenizer trained = Tokenizers.open(tokJson);
        assertThat(trained.vocabSize()).isGreaterThan(257).isLessThanOrEqualTo(300); // training stops when no pair repeats
        assertThat(trained.encode("hello world")).hasSizeLessThan(4); // merges, not bytes
        int eot = trained.endOfTextId();
        Path base = dir.resolve("base");
        HfCheckpoint.save(Models.create(new LlamaConfig(300, 32, 64, 2, 4, 2, 8, 1e-6f, 10000f, 64, false, 0.02f, eot,
                List.of(eot)), 3), base);

        Path out = dir.resolve("bpe-run");
        r = CliRunner.run("pretrain", "--model", base.toString(), "--data", text.toString(), "--tokenizer",
                tokJson.toString(), "--steps", "60", "--batch", "4", "--seq", "16", "--lr", "1e-2", "--warmup", "1",
                "--val-every", "0", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Path ckpt = out.resolve("checkpoint");
        assertThat(ckpt.resolve("tokenizer.json")).isRegularFile();

        Path prompts = dir.resolve("prompts.jsonl"), completions = dir.resolve("completions.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"hello\"}\n");
        r = CliRunner.run("generate", "--model", ckpt.toString(), "--prompts", prompts.toString(), "--out",
                completions.toString(), "--max-new-tokens", "6", "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> row = Json.parseObject(Files.readAllLines(completions).get(0));
        int[] ids = ((List<Object>) row.get("completion_ids")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        assertThat(Arrays.stream(ids).anyMatch(id -> id > 256)).as("a merged token among " + Arrays.toString(ids)).isTrue();
        String completion = (String) row.get("completion");
        assertThat(completion).isEqualTo(Tokenizers.open(ckpt.resolve("tokenizer.json")).decode(ids));
        assertThat(completion).matches("(?s) (world|there).*").contains("hello");
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
