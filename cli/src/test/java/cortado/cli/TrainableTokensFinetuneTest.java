package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado finetune --method trainable-tokens} on a llama-tiny directory (untied head) and FinetuneCommandTest's
 * text: the adapter is a PEFT TRAINABLE_TOKENS adapter with the given rows that loads back and changes the logits, and
 * GPT-2 (tied head) is refused in one line.
 */
class TrainableTokensFinetuneTest {
    @TempDir static Path dir;

    @Test
    void trainableTokensTrainsTheListedRows() throws Exception {
        FinetuneCommandTest.dir = dir;
        FinetuneCommandTest.setUp();
        Path llama = dir.resolve("llama-base");
        HfCheckpoint.save(Presets.create("llama-tiny", 5), llama);
        StringBuilder rows = new StringBuilder("0");
        for (int i = 1; i < 256; i++) rows.append(',').append(i);   // llama-tiny's byte-level ids all appear
        Path out = dir.resolve("tt");
        CliRun.Result r = FinetuneCommandTest.finetune(llama, out, "--method", "trainable-tokens", "--token-indices", rows.toString(),
                "--steps", "5", "--lr", "3e-2");
        assertThat(r.code()).as(r.err()).isZero();
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("TRAINABLE_TOKENS");
        assertThat((List<?>) cfg.get("token_indices")).hasSize(256);
        PeftModel loaded = AdapterFiles.load(HfCheckpoint.load(llama), out);
        assertThat(FinetuneCommandTest.logits(loaded.model()).toArray())
                .isNotEqualTo(FinetuneCommandTest.logits(HfCheckpoint.load(llama)).toArray());
        CliRun.Result gpt2 = FinetuneCommandTest.finetune(FinetuneCommandTest.base, dir.resolve("unused"), "--method",
                "trainable-tokens", "--token-indices", "1,2", "--steps", "1");
        assertThat(gpt2.code()).isEqualTo(1);
        assertThat(gpt2.err().lines().toList()).hasSize(1).allMatch(l -> l.contains("tied"));
    }
}
