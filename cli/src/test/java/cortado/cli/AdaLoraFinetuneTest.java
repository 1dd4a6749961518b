package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.adalora.AdaLoraConfig;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado finetune --method adalora} on FinetuneCommandTest's gpt2-tiny base and text: the run allocates the
 * budget (the saved rank_pattern keeps target_r triplets per target on average, the tensors cut to it), brings the
 * held-out loss below the frozen base's (a full run at lr 0 measures it on the same validation windows), writes an
 * adapter that loads back, and refuses --resume and an impossible schedule with one line each.
 */
class AdaLoraFinetuneTest {
    @TempDir static Path dir;

    /** FinetuneCommandTest's base and text, made in this class's own temporary directory. */
    @BeforeAll
    static void setUp() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
    }

    @Test
    @SuppressWarnings("unchecked")
    void adaloraAllocatesItsBudgetAndLowersTheValidationLossBelowTheFrozenBase() throws Exception {
        String[] val = {"--val-every", "30", "--val-batches", "4"};
        Path frozen = dir.resolve("adalora-frozen");
        List<String> f = new ArrayList<>(List.of("--method", "full", "--steps", "1", "--lr", "0", "--val-every", "1",
                "--val-batches", "4"));
        CliRun.Result fr = FinetuneCommandTest.finetune(frozen, f.toArray(String[]::new));
        assertThat(fr.code()).as(fr.err()).isZero();
        double baseLoss = FinetuneCommandTest.lastValLoss(frozen);

        Path out = dir.resolve("adalora");
        List<String> args = new ArrayList<>(List.of("--method", "adalora", "--init-r", "4", "--target-r", "2", "--tinit",
                "4", "--tfinal", "8", "--delta-t", "2", "--steps", "30", "--lr", "3e-2"));
        args.addAll(List.of(val));
        CliRun.Result r = FinetuneCommandTest.finetune(out, args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        double loss = FinetuneCommandTest.lastValLoss(out);
        System.out.printf("adalora: validation loss %.4f, frozen base %.4f%n", loss, baseLoss);
        assertThat(loss).isLessThan(baseLoss);

        Map<String, Object> cfg = Json.parseObject(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("ADALORA");
        assertThat(cfg.get("total_step")).isEqualTo(30L);
        Map<String, List<Boolean>> pattern = (Map<String, List<Boolean>>) cfg.get("rank_pattern");
        assertThat(pattern).isNotEmpty();
        Map<String, Tensor> saved = Safetensors.load(out.resolve(AdapterFiles.WEIGHTS));
        int kept = 0;
        for (Map.Entry<String, List<Boolean>> e : pattern.entrySet()) {
            assertThat(e.getValue()).hasSize(4);
            int rank = (int) e.getValue().stream().filter(b -> b).count();
            kept += rank;
            assertThat(saved.get("base_model.model." + e.getKey()).shape()).containsExactly(rank, 1);
        }
        assertThat(kept).as("target_r per target").isEqualTo(2 * pattern.size());
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(FinetuneCommandTest.base), out);
        assertThat(((AdaLoraConfig) loaded.config("default")).rankPattern()).isEqualTo(pattern);
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(FinetuneCommandTest.base)).toArray());

        CliRun.Result resume = FinetuneCommandTest.finetune(out, "--method", "adalora", "--steps", "40", "--resume");
        assertThat(resume.code()).isEqualTo(1);
        assertThat(resume.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("AdaLoRA") && l.contains("--resume"));
        CliRun.Result schedule = FinetuneCommandTest.finetune(dir.resolve("unused"), "--method",
                "adalora", "--steps", "10", "--tinit", "6", "--tfinal", "4");
        assertThat(schedule.code()).isEqualTo(Main.USAGE);
        assertThat(schedule.err().lines().toList()).hasSize(1)
                .allMatch(l -> l.startsWith("error: --tinit") && l.contains("budgeting phase"));
    }
}
