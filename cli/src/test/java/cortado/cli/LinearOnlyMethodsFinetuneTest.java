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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code cortado finetune --method hra|boft} on a llama-tiny directory (both take Linear layers, not gpt2-tiny's
 * Conv1D, as in peft) and FinetuneCommandTest's text: the held-out loss falls below the frozen base's (a full run at lr
 * 0 measures it on the same validation windows), the adapter is the method's PEFT adapter that loads back and changes
 * the logits, and GPT-2 is refused in one line.
 */
class LinearOnlyMethodsFinetuneTest {
    @TempDir static Path dir;
    private static Path llama;
    private static double frozenLoss;

    @BeforeAll
    static void frozenBase() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
        llama = dir.resolve("llama-base");
        HfCheckpoint.save(Presets.create("llama-tiny", 5), llama);
        Path frozen = dir.resolve("frozen");
        CliRun.Result f = FinetuneCommandTest.finetune(llama, frozen, "--method", "full", "--steps", "1", "--lr", "0",
                "--val-every", "1");
        assertThat(f.code()).as(f.err()).isZero();
        frozenLoss = FinetuneCommandTest.lastValLoss(frozen);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "hra  | HRA  | --r 4",
            // two butterfly factors, dropout in training
            "boft | BOFT | --boft-block-size 4 --boft-butterfly-factor 2 --boft-dropout 0.1"})
    void lowersTheValidationLossBelowTheFrozenBase(String method, String peftType, String flags) throws Exception {
        Path out = dir.resolve(method);
        List<String> args = new ArrayList<>(List.of("--method", method));
        args.addAll(List.of(flags.split(" ")));
        args.addAll(List.of("--target-modules", "q_proj,v_proj,down_proj", "--steps", "30", "--lr", "3e-2",
                "--val-every", "30"));
        CliRun.Result r = FinetuneCommandTest.finetune(llama, out, args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        double loss = FinetuneCommandTest.lastValLoss(out);
        System.out.printf("%s: validation loss %.4f, frozen base %.4f%n", method, loss, frozenLoss);
        assertThat(loss).isLessThan(frozenLoss);
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo(peftType);
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(llama), out);
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(llama)).toArray());
        CliRun.Result gpt2 = FinetuneCommandTest.finetune(FinetuneCommandTest.base, dir.resolve("unused-" + method),
                "--method", method, "--steps", "1");
        assertThat(gpt2.code()).isEqualTo(1);
        assertThat(gpt2.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("c_attn (Conv1D) is not supported"));
    }
}
