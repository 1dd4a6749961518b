package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado dpo} end to end on a byte-level gpt2-tiny: the first step's loss is that of a policy equal to its
 * reference (ln 2 for sigmoid, 1 for hinge), so the reference is the base (adapters disabled, or the frozen copy);
 * LoRA learns the preference; full fine-tuning resumes exactly; bad input is one line.
 */
class DpoCommandTest {
    @TempDir static Path dir;
    static Path base, pairs, held;

    @BeforeAll
    static void setUp() throws Exception {
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
        pairs = dir.resolve("pairs.jsonl");
        held = dir.resolve("held.jsonl");
        List<String> p = new ArrayList<>();
        String[] q = {"sky", "grass", "snow", "coal", "milk", "blood"}, right = {"blue", "green", "white", "black",
                "white", "red"};
        for (int i = 0; i < q.length; i++)
            p.add("{\"prompt\": \"" + q[i] + " is\", \"chosen\": \" " + right[i] + "\", \"rejected\": \" "
                    + right[(i + 1) % q.length] + "\"}");
        Files.write(pairs, p);
        Files.write(held, p.subList(0, 3));
    }

    static CliRun.Result dpo(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("dpo", "--model", base.toString(), "--data", pairs.toString(),
                "--out", out.toString(), "--batch", "2", "--lr", "1e-2", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<Map<String, Object>> metrics(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    static double num(Map<String, Object> row, String key) { return ((Number) row.get(key)).doubleValue(); }

    @Test
    void loraLearnsThePreferenceAgainstTheBaseWithoutAdapters() throws Exception {
        Path out = dir.resolve("lora");
        CliRun.Result r = dpo(out, "--steps", "25", "--r", "4", "--val-data", held.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("reference: the base with the adapter disabled").contains("6 pairs of up to")
                .contains("held-out 3 pairs");
        assertThat(Files.isRegularFile(out.resolve(AdapterFiles.CONFIG))).isTrue();
        List<Map<String, Object>> m = metrics(out);
        assertThat(m).hasSize(25);
        assertThat(num(m.get(0), "loss")).isCloseTo(Math.log(2), offset(1e-5));   // LoRA starts as the base
        assertThat(num(m.get(0), "rewards/margins")).isCloseTo(0, offset(1e-6));
        assertThat(m.get(0)).containsKeys("rewards/chosen", "rewards/rejected", "rewards/accuracies", "logps/chosen",
                "logps/rejected");
        assertThat(num(m.get(24), "loss")).isLessThan(num(m.get(0), "loss"));
        Map<String, Object> h = Json.parseObject(Files.readString(out.resolve(DpoCommand.HELDOUT_FILE)));
        assertThat(num(h, "pairs")).isEqualTo(3);
        assertThat(num(h, "rewards/margins")).isPositive();
    }

    @Test
    void fullFineTuningAgainstAFrozenCopyResumesExactly() throws Exception {
        Path straight = dir.resolve("full-straight"), resumed = dir.resolve("full-resumed");
        CliRun.Result r = dpo(straight, "--method", "full", "--loss", "hinge", "--steps", "4", "--lr", "1e-3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("reference: a frozen copy of").contains("(hinge, beta 0.1)");
        assertThat(num(metrics(straight).get(0), "loss")).isCloseTo(1.0, offset(1e-6));   // max(0, 1 - 0)
        assertThat(dpo(resumed, "--method", "full", "--loss", "hinge", "--steps", "2", "--lr", "1e-3",
                "--save-every", "2").code()).isZero();
        CliRun.Result again = dpo(resumed, "--method", "full", "--loss", "hinge", "--steps", "4", "--lr", "1e-3",
                "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(metrics(resumed).stream().map(DpoCommandTest::withoutTimes).toList())
                .isEqualTo(metrics(straight).stream().map(DpoCommandTest::withoutTimes).toList());
    }

    /** ORPO needs no reference and logs its own metrics; it learns the preference too. */
    @Test
    void orpoIsReferenceFree() throws Exception {
        Path out = dir.resolve("orpo");
        CliRun.Result r = dpo(out, "--loss", "orpo", "--steps", "10", "--r", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("reference:").contains("(orpo, beta 0.1)");
        List<Map<String, Object>> m = metrics(out);
        assertThat(m.get(0)).containsKeys("nll_loss", "log_odds_ratio", "log_odds_chosen");
        assertThat(num(m.get(9), "loss")).isLessThan(num(m.get(0), "loss"));
    }

    static Map<String, Object> withoutTimes(Map<String, Object> row) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(row);
        m.remove("tokens_per_s");
        m.remove("step_ms");
        return m;
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}", "{\"prompt\": \"a\","
                + " \"chosen\": \"b\"}"));
        CliRun.Result r = CliRun.run("dpo", "--model", base.toString(), "--data", bad.toString(), "--out",
                dir.resolve("bad-out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: " + bad + ":2: missing \"rejected\"");
        assertThat(dpo(dir.resolve("x"), "--label-smoothing", "0.1").err()).contains("applies to --loss robust");
        assertThat(dpo(dir.resolve("y"), "--loss", "kto").code()).isEqualTo(2);
        assertThat(dpo(dir.resolve("z"), "--loss", "orpo", "--ref-model", base.toString()).err())
                .contains("orpo has no reference");
        assertThat(CliRun.run("dpo", "--help").out()).contains("--beta B").contains("--ref-model DIR")
                .contains("--grad-accum K").contains("pairs per micro-batch");
    }
}
