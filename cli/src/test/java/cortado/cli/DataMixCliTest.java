package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pretrain --data a:0.7,b:0.3}: rows per source in metrics.jsonl, per-source validation, resume, errors. */
class DataMixCliTest {
    @TempDir static Path dir;
    static Path a, b;

    @BeforeAll
    static void setUp() throws Exception {
        a = dir.resolve("a.txt");
        b = dir.resolve("b.txt");
        Files.writeString(a, "the cat sat on the mat. ".repeat(100));
        Files.writeString(b, "0123456789 ".repeat(100));
    }

    static CliRun.Result pretrain(Path out, String data, String... extra) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--model", "gpt2-tiny", "--data", data, "--steps", "4",
                "--batch", "4", "--seq", "16", "--grad-accum", "2", "--val-every", "2", "--val-batches", "2",
                "--schedule", "constant", "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void metricsCountRowsPerSourceAndValidateEach() throws Exception {
        Path out = dir.resolve("mix");
        CliRun.Result r = pretrain(out, a + ":0.7," + b + ":0.3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("  " + a + ": 70.0% of the rows").contains("  " + b + ": 30.0% of the rows");
        List<Map<String, Object>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(rows).hasSize(4);
        for (Map<String, Object> row : rows) {
            Map<?, ?> counts = (Map<?, ?>) row.get("rows_per_source");
            assertThat(counts.keySet().stream().map(Object::toString).toList()).containsExactly(a.toString(), b.toString());
            long sum = counts.values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
            assertThat(sum).isEqualTo(8);   // 4 rows x 2 micro-batches
            if (row.containsKey("val_loss")) {
                Map<?, ?> v = (Map<?, ?>) row.get("val_loss_per_source");
                double mean = 0.7 * ((Number) v.get(a.toString())).doubleValue() + 0.3 * ((Number) v.get(b.toString())).doubleValue();
                assertThat(((Number) row.get("val_loss")).doubleValue()).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        // the same seed, the same run; a resumed run continues the same mix
        Path again = dir.resolve("mix-again"), resumed = dir.resolve("mix-resumed");
        assertThat(pretrain(again, a + ":0.7," + b + ":0.3").code()).isZero();
        assertThat(losses(again)).isEqualTo(losses(out));
        assertThat(pretrain(resumed, a + ":0.7," + b + ":0.3", "--steps", "2").code()).isZero();
        CliRun.Result rest = pretrain(resumed, a + ":0.7," + b + ":0.3", "--resume");
        assertThat(rest.code()).as(rest.err()).isZero();
        assertThat(losses(resumed)).isEqualTo(losses(out));
    }

    static List<Object> losses(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream().map(m -> m.get("loss")).toList();
    }

    @Test
    void badWeightsAndMissingFilesAreOneLineErrors() {
        Path out = dir.resolve("bad");
        CliRun.Result r = pretrain(out, a + ":0," + b + ":1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --data " + a + ":0: the weight must be a positive number, got 0\n");
        r = pretrain(out, a + ":heavy");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("error: --data " + a + ":heavy: the weight 'heavy' is not a number\n");
        r = pretrain(out, a + ":-1");
        assertThat(r.err()).isEqualTo("error: --data " + a + ":-1: the weight must be a positive number, got -1\n");
        r = pretrain(out, dir.resolve("missing.bin") + ":0.5," + a + ":0.5");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + dir.resolve("missing.bin") + ": no such file\n");
        r = pretrain(out, a + ":1," + b + ":1", "--data-order", "sequential");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --data-order sequential reads one file in order");
    }
}
