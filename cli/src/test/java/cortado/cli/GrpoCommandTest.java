package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado grpo} end to end on a gpt2-tiny pretrained here ({@link RlTestBase}): with the length:6 reward the
 * held-out mean reward rises (the policy learns to stop after about six characters), a run resumes exactly, and bad
 * input is one line.
 */
class GrpoCommandTest {
    @TempDir static Path dir;

    static CliRun.Result grpo(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("grpo", "--model", RlTestBase.base().toString(), "--prompts",
                RlTestBase.prompts().toString(), "--reward", "length:6", "--num-generations", "4", "--max-new-tokens",
                "16", "--batch", "2", "--out", out.toString(), "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static double num(Map<String, Object> row, String key) { return ((Number) row.get(key)).doubleValue(); }

    @Test
    void raisesTheHeldOutRewardOfATinyPretrainedModel() throws Exception {
        Path out = dir.resolve("full");
        CliRun.Result r = grpo(out, "--method", "full", "--steps", "20", "--lr", "1e-3", "--val-prompts",
                RlTestBase.held().toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("36 prompts x 4 generations of up to 16 tokens (dapo, beta 0.0");
        RlTestBase.heldOutRewardRose("grpo", out);
        List<Map<String, Object>> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(m).hasSize(20);
        assertThat(m.get(0)).containsKeys("reward", "reward_std", "frac_reward_zero_std", "completions/mean_length",
                "clip_ratio/region_mean").doesNotContainKey("kl");
    }

    /** LoRA with beta > 0 (the KL to the base with the adapter disabled, 0 at the first step) resumes exactly. */
    @Test
    void loraWithAKlTermResumesExactly() throws Exception {
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        String[] common = {"--beta", "0.04", "--loss", "grpo", "--lr", "1e-3", "--r", "4"};
        CliRun.Result r = grpo(straight, concat(common, "--steps", "4"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("reference: the base with the adapter disabled");
        List<Map<String, Object>> first = MetricsLog.read(straight.resolve("metrics.jsonl"));
        assertThat(num(first.get(0), "kl")).isEqualTo(0.0);   // the policy is the reference at step 1
        assertThat(num(first.get(3), "kl")).isPositive();
        assertThat(grpo(resumed, concat(common, "--steps", "2")).code()).isZero();
        CliRun.Result again = grpo(resumed, concat(common, "--steps", "4", "--resume"));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(MetricsLog.read(resumed.resolve("metrics.jsonl")).stream().map(DpoCommandTest::withoutTimes).toList())
                .isEqualTo(first.stream().map(DpoCommandTest::withoutTimes).toList());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"prompt\": \"the red cat\"}", "{\"text\": \"x\"}"));
        CliRun.Result r = CliRun.run("grpo", "--model", RlTestBase.base().toString(), "--prompts", bad.toString(),
                "--reward", "length:5", "--out", dir.resolve("bad-out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: " + bad + ":2: missing \"prompt\" (rows are {\"prompt\": \"...\"})");
        assertThat(grpo(dir.resolve("x"), "--reward", "size:3").err()).contains("unknown reward 'size:3'");
        assertThat(grpo(dir.resolve("y"), "--num-generations", "1").err()).contains("at least 2");
        assertThat(grpo(dir.resolve("z"), "--ref-model", RlTestBase.base().toString()).err()).contains("--beta 0");
        assertThat(CliRun.run("grpo", "--help").out()).contains("--num-generations G").contains("length:N")
                .contains("dr_grpo").contains("--scale-rewards");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
