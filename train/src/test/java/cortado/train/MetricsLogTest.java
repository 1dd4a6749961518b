package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir Path dir;

    static StepMetrics m(int step) {
        return new StepMetrics(step, 3.5f, 1e-3f, 0.25f, 1000.04, 12.3456, step == 2 ? 3.25f : Float.NaN);
    }

    @Test
    void oneObjectPerStepWithValLossOnlyWhenMeasured() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(f)) {
            log.log(m(1));
            log.log(m(2));
        }
        List<String> lines = Files.readAllLines(f);
        assertThat(lines.get(0)).isEqualTo(
                "{\"step\":1,\"loss\":3.5,\"lr\":0.001,\"grad_norm\":0.25,\"tokens_per_s\":1000.0,\"step_ms\":12.346}");
        assertThat(lines.get(1)).endsWith(",\"val_loss\":3.25}");
    }

    @Test
    void resumeDropsStepsAfterTheCheckpointAndATornLine() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(f)) {
            for (int s = 1; s <= 5; s++) log.log(m(s));
        }
        Files.writeString(f, "{\"step\":6,\"lo", StandardOpenOption.APPEND); // a crash mid-line
        try (MetricsLog log = MetricsLog.resume(f, 3)) {
            log.log(m(4));
        }
        List<Map<String, Object>> rows = MetricsLog.read(f);
        assertThat(rows).extracting(r -> ((Number) r.get("step")).intValue()).containsExactly(1, 2, 3, 4);
    }
}
