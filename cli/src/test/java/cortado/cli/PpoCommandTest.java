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
 * {@code cortado ppo} end to end on a gpt2-tiny pretrained here ({@link RlTestBase}): with the length:6 reward the
 * held-out mean reward rises, a run resumes exactly (the adapter and the value model), and bad input is one line.
 */
class PpoCommandTest {
    @TempDir static Path dir;

    static CliRun.Result ppo(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("ppo", "--model", RlTestBase.base().toString(), "--prompts",
                RlTestBase.prompts().toString(), "--response-length", "16", "--out", out.toString(), "--threads", "1"));
        args.addAll(List.of(extra));
        if (!args.contains("--batch")) args.addAll(List.of("--batch", "4"));
        return CliRun.run(args.toArray(String[]::new));
    }

    static double num(Map<String, Object> row, String key) { return ((Number) row.get(key)).doubleValue(); }

    @Test
    void raisesTheHeldOutRewardOfATinyPretrainedModel() throws Exception {
        Path out = dir.resolve("full");
        CliRun.Result r = ppo(out, "--method", "full", "--reward", "length:6", "--batch", "8", "--steps", "10", "--lr",
                "1e-3", "--val-prompts",
                RlTestBase.held().toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("reference: a frozen copy of").contains("with a new score head")
                .contains("10 updates x 4 PPO epochs (kl k1 0.05");
        RlTestBase.heldOutRewardRose("ppo", out);
        List<Map<String, Object>> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(m).hasSize(40);
        assertThat(num(m.get(0), "objective/kl")).isEqualTo(0.0);   // the policy starts as its reference
        assertThat(num(m.get(0), "val/ratio")).isEqualTo(1.0);      // epoch 0 is on-policy
        assertThat(num(m.get(1), "ppo_epoch")).isEqualTo(1.0);
        assertThat(m.get(0)).containsKeys("loss/policy", "loss/value", "policy/clipfrac", "val/clipfrac",
                "objective/scores", "objective/rlhf_reward");
        assertThat(Files.isDirectory(out.resolve("checkpoint/value_model"))).isTrue();
    }

    @Test
    void loraWithK3ResumesExactly() throws Exception {
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        String[] common = {"--r", "4", "--reward", "contains:dog", "--kl-estimator", "k3", "--ppo-epochs", "2",
                "--missing-eos-penalty", "1", "--lr", "1e-3"};
        CliRun.Result r = ppo(straight, GrpoCommandTest.concat(common, "--steps", "2"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("reference: the base with the adapter disabled");
        List<Map<String, Object>> first = MetricsLog.read(straight.resolve("metrics.jsonl"));
        assertThat(first).hasSize(4);
        assertThat(ppo(resumed, GrpoCommandTest.concat(common, "--steps", "1")).code()).isZero();
        CliRun.Result again = ppo(resumed, GrpoCommandTest.concat(common, "--steps", "2", "--resume"));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("(resumed)");
        assertThat(MetricsLog.read(resumed.resolve("metrics.jsonl")).stream().map(DpoCommandTest::withoutTimes).toList())
                .isEqualTo(first.stream().map(DpoCommandTest::withoutTimes).toList());
    }

    @Test
    void badInputIsOneLine() throws Exception {
        assertThat(ppo(dir.resolve("a")).err()).contains("give one of --reward-model DIR and --reward KIND");
        assertThat(ppo(dir.resolve("b"), "--reward-model", RlTestBase.base().toString()).err().strip())
                .startsWith("error: --reward-model: ").endsWith("is not a ...ForSequenceClassification checkpoint");
        assertThat(ppo(dir.resolve("c"), "--reward", "regex:(").err()).contains("bad pattern");
        assertThat(ppo(dir.resolve("d"), "--reward", "length:5", "--kl-estimator", "k2").code()).isEqualTo(2);
        assertThat(CliRun.run("ppo", "--help").out()).contains("--reward-model DIR").contains("--ppo-epochs N")
                .contains("--missing-eos-penalty P").contains("--cliprange-value E");
    }
}
