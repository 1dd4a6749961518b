package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado finetune --method xlora} on FinetuneCommandTest's gpt2-tiny directory and text: two LoRA experts are
 * trained first ({@code --method lora}, different targets), then an X-LoRA classifier over them; its held-out loss is
 * below the frozen base's (a full run at lr 0 measures it on the same validation windows); OUT is an XLORA adapter
 * with the flags' fields and the experts in OUT/0 and OUT/1, and loads back; bad expert lists are one error line.
 */
class XLoraFinetuneTest {
    @TempDir static Path dir;

    @Test
    void xloraOverTwoLoraExpertsLowersTheValidationLossBelowTheFrozenBase() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
        Path base = FinetuneCommandTest.base;
        Path frozen = dir.resolve("xlora-frozen");
        CliRun.Result f = FinetuneCommandTest.finetune(base, frozen, "--method", "full", "--steps", "1", "--lr", "0", "--val-every", "1");
        assertThat(f.code()).as(f.err()).isZero();
        double baseLoss = FinetuneCommandTest.lastValLoss(frozen);
        Path e0 = dir.resolve("expert0"), e1 = dir.resolve("expert1");
        for (String[] e : new String[][] {{e0.toString(), "c_attn"}, {e1.toString(), "c_fc,c_proj"}}) {
            CliRun.Result r = FinetuneCommandTest.finetune(base, Path.of(e[0]), "--method", "lora", "--target-modules", e[1],
                    "--steps", "15", "--lr", "1e-2");
            assertThat(r.code()).as(r.err()).isZero();
        }
        Path out = dir.resolve("xlora");
        CliRun.Result r = FinetuneCommandTest.finetune(base, out, "--method", "xlora", "--xlora-adapters", e0 + "," + e1,
                "--xlora-depth", "2", "--xlora-size", "16", "--xlora-dropout-p", "0", "--softmax-temperature", "0.5",
                "--layerwise-scalings", "--steps", "20", "--lr", "1e-2", "--val-every", "20");
        assertThat(r.code()).as(r.err()).isZero();
        double loss = FinetuneCommandTest.lastValLoss(out);
        System.out.printf("xlora: validation loss %.4f, frozen base %.4f%n", loss, baseLoss);
        assertThat(loss).isLessThan(baseLoss);
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("XLORA");
        assertThat(cfg.get("xlora_depth")).isEqualTo(2L);
        assertThat(cfg.get("xlora_size")).isEqualTo(16L);
        assertThat(cfg.get("layerwise_scalings")).isEqualTo(true);
        assertThat(cfg.get("softmax_temperature")).isEqualTo(0.5);
        assertThat(cfg.get("hidden_size")).isEqualTo(32L);
        assertThat(out.resolve("0").resolve(AdapterFiles.WEIGHTS)).exists();
        assertThat(out.resolve("1").resolve(AdapterFiles.WEIGHTS)).exists();
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), out);
        assertThat(r.out()).contains(loaded.trainableLine());
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(base)).toArray());

        // generate --adapter decodes with the KV cache and its scaling-pass cache: greedy, it continues the prompt as
        // the full forward recomputed at every step (peft's generate without a cache) does
        String prompt = "the cat ";
        CliRun.Result g = CliRun.run("generate", "--model", base.toString(), "--adapter", out.toString(), "--prompt",
                prompt, "--max-new-tokens", "8", "--temperature", "0", "--threads", "1");
        assertThat(g.code()).as(g.err()).isZero();
        var lm = loaded.model();
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (byte c : prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8)) ids.add(c & 0xff);
        StringBuilder expected = new StringBuilder();
        try (cortado.autograd.NoGrad ng = cortado.autograd.NoGrad.enter()) {
            for (int step = 0; step < 8; step++) {
                float[] logits = lm.forward(ids.stream().mapToInt(Integer::intValue).toArray(), 1, ids.size()).toArray();
                int v = lm.config().vocabSize(), best = 0;
                for (int j = 1; j < v; j++) if (logits[(ids.size() - 1) * v + j] > logits[(ids.size() - 1) * v + best]) best = j;
                if (best >= 128) break;   // the end-of-text id, or a byte of a longer character: compare up to there
                ids.add(best);
                expected.append((char) best);
            }
        }
        System.out.printf("xlora generates: %s (full forward: %s)%n", g.out().strip(), expected);
        assertThat(expected).isNotEmpty();
        assertThat(g.out()).contains(prompt + expected);

        CliRun.Result none = FinetuneCommandTest.finetune(base, dir.resolve("unused"), "--method", "xlora", "--steps", "1");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().lines().toList()).hasSize(1).allMatch(l -> l.startsWith("error: ") && l.contains("--xlora-adapters"));
        CliRun.Result named = FinetuneCommandTest.finetune(base, dir.resolve("unused"), "--method", "xlora",
                "--xlora-adapters", "a=" + e0, "--steps", "1");
        assertThat(named.code()).isEqualTo(2);
        assertThat(named.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("expert names must be 0, 1, ..."));
        CliRun.Result missing = FinetuneCommandTest.finetune(base, dir.resolve("unused"), "--method", "xlora",
                "--xlora-adapters", e0 + "," + dir.resolve("nowhere"), "--steps", "1");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().lines().toList()).hasSize(1)
                .allMatch(l -> l.startsWith("error: ") && l.contains("no such adapter directory"));
    }
}
