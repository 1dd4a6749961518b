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
 * {@code cortado finetune --method fourierft} on FinetuneCommandTest's gpt2-tiny directory and text (peft's default
 * target there, the Conv1D mlp.c_proj): from a zero spectrum the held-out loss falls below the frozen base's (a full
 * run at lr 0 measures it on the same validation windows); the adapter is a PEFT FOURIERFT adapter with the flags'
 * fields that loads back; an n_frequency above a target's in x out is one error line.
 */
class FourierFtFinetuneTest {
    @TempDir static Path dir;

    @Test
    void fourierFtLowersTheValidationLossBelowTheFrozenBase() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
        Path base = FinetuneCommandTest.base;
        Path frozen = dir.resolve("fourierft-frozen");
        CliRun.Result f = FinetuneCommandTest.finetune(base, frozen, "--method", "full", "--steps", "1", "--lr", "0", "--val-every", "1");
        assertThat(f.code()).as(f.err()).isZero();
        double baseLoss = FinetuneCommandTest.lastValLoss(frozen);
        Path out = dir.resolve("fourierft");
        CliRun.Result r = FinetuneCommandTest.finetune(base, out, "--method", "fourierft", "--n-frequency", "200", "--scaling", "300",
                "--random-loc-seed", "9", "--zero-init", "--steps", "30", "--lr", "3e-2", "--val-every", "30");
        assertThat(r.code()).as(r.err()).isZero();
        double loss = FinetuneCommandTest.lastValLoss(out);
        System.out.printf("fourierft: validation loss %.4f, frozen base %.4f%n", loss, baseLoss);
        assertThat(loss).isLessThan(baseLoss);
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("FOURIERFT");
        assertThat(cfg.get("n_frequency")).isEqualTo(200L);
        assertThat(cfg.get("random_loc_seed")).isEqualTo(9L);
        assertThat(cfg.get("fan_in_fan_out")).isEqualTo(true);
        assertThat(cfg.get("init_weights")).isEqualTo(true);
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(base), out);
        assertThat(r.out()).contains(loaded.trainableLine());
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(base)).toArray());
        CliRun.Result tooMany = FinetuneCommandTest.finetune(base, dir.resolve("unused"), "--method", "fourierft", "--n-frequency",
                "1000000", "--steps", "1");
        assertThat(tooMany.code()).isEqualTo(1);
        assertThat(tooMany.err().lines().toList()).hasSize(1)
                .allMatch(l -> l.startsWith("error: ") && l.contains("`n_frequency` should be less than or equal"));
    }
}
