package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.Models;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peft-compare trial of multitask prompt tuning (one task: the question set names none, so every row is task 0)
 * trains, scores the held-out pairs and the corpus, and reports its row, with peft's trainable count for one task.
 */
class MultitaskPromptTuningTrialTest {
    @TempDir Path dir;

    @Test
    void aTrialRunsWithEveryRowTaskZero() throws Exception {
        Path base = dir.resolve("base");
        // bytes, as the question set, and room for the demo recipe's 256 positions plus the virtual tokens
        HfCheckpoint.save(Models.create(Gpt2Config.of(257, 264, 32, 2, 4, 256), 3), base);
        Path qa = dir.resolve("qa.txt");
        StringBuilder sb = new StringBuilder();
        for (String n : new String[] {"Tom", "Ann", "Bo", "Kim", "Lee", "Max", "Sue", "Jo", "Al", "Eve"})
            sb.append(n).append(" had a red ball.\nQ: Who had a ball?\nA: ").append(n).append("\n\n");
        Files.writeString(qa, sb.toString(), StandardCharsets.UTF_8);
        Map<String, Object> row = PeftTrial.run(PeftTrial.args().parse(new String[] {"--model", base.toString(),
            "--data", qa.toString(), "--method", "multitask-prompt-tuning", "--num-virtual-tokens", "4", "--steps", "2",
            "--out", dir.resolve("out").toString(), "--corpus-tokens", "600"}));
        // P x C table, one task's [P, 1] cols and [1, C] rows
        assertThat(row.get("trainable")).isEqualTo(4L * 32 + 4 + 32);
        assertThat(((Number) row.get("heldout_loss")).doubleValue()).isFinite();
        assertThat(((Number) row.get("corpus_loss")).doubleValue()).isFinite();
        assertThat(row).containsKeys("exact_match", "median_step_ms");
    }
}
