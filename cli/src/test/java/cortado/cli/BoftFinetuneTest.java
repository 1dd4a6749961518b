package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado finetune --method boft} (two butterfly factors, dropout 0.1) on a llama-tiny directory (BOFT takes
 * Linear layers, not gpt2-tiny's Conv1D) and FinetuneCommandTest's text: the held-out loss falls below the frozen base's (a full run at lr 0 measures it on
 * the same validation windows), the adapter is a PEFT BOFT adapter that loads back, and GPT-2 is refused in one line.
 */
class BoftFinetuneTest {
    @TempDir static Path dir;

    private static CliRun.Result finetune(Path model, Path text, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", model.toString(), "--data", text.toString(),
                "--out", out.toString(), "--batch", "2", "--seq", "16", "--threads", "1", "--val-batches", "4"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void boftLowersTheValidationLossBelowTheFrozenBase() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
        Path llama = dir.resolve("llama-base");
        HfCheckpoint.save(Presets.create("llama-tiny", 5), llama);
        Path text = FinetuneCommandTest.text;
        Path frozen = dir.resolve("boft-frozen");
        CliRun.Result f = finetune(llama, text, frozen, "--method", "full", "--steps", "1", "--lr", "0", "--val-every", "1");
        assertThat(f.code()).as(f.err()).isZero();
        double baseLoss = FinetuneCommandTest.lastValLoss(frozen);
        Path out = dir.resolve("boft");
        CliRun.Result r = finetune(llama, text, out, "--method", "boft", "--boft-block-size", "4", "--boft-butterfly-factor", "2",
                "--boft-dropout", "0.1", "--target-modules", "q_proj,v_proj,down_proj",
                "--steps", "30", "--lr", "3e-2", "--val-every", "30");
        assertThat(r.code()).as(r.err()).isZero();
        double loss = FinetuneCommandTest.lastValLoss(out);
        System.out.printf("boft: validation loss %.4f, frozen base %.4f%n", loss, baseLoss);
        assertThat(loss).isLessThan(baseLoss);
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("BOFT");
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(llama), out);
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(llama)).toArray());
        CliRun.Result gpt2 = finetune(FinetuneCommandTest.base, text, dir.resolve("unused"), "--method", "boft", "--steps", "1");
        assertThat(gpt2.code()).isEqualTo(1);
        assertThat(gpt2.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("c_attn (Conv1D) is not supported"));
    }
}
