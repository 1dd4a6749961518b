package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.io.SequenceClassificationCheckpoint;
import cortado.nn.models.DecoderForSequenceClassification;
import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado reward} end to end on DpoCommandTest's byte-level gpt2-tiny and pairs: the loss falls and the
 * reward model ranks the pairs, its checkpoint is transformers' layout (score.weight, no LM head) and loads back,
 * and a resumed run logs the same metrics as a straight one.
 */
class RewardCommandTest {
    @TempDir static Path dir;

    @org.junit.jupiter.api.BeforeAll
    static void setUp() throws Exception {
        DpoCommandTest.dir = dir;   // the same model and pairs, written here
        DpoCommandTest.setUp();
    }

    static CliRun.Result reward(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("reward", "--model", DpoCommandTest.base.toString(), "--data",
                DpoCommandTest.pairs.toString(), "--out", out.toString(), "--batch", "3", "--lr", "1e-3",
                "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void learnsToRankThePairsAndWritesTransformersLayout() throws Exception {
        Path out = dir.resolve("rm");
        CliRun.Result r = reward(out, "--steps", "30", "--val-data", DpoCommandTest.held.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("score head").contains("held-out 3 pairs");
        List<Map<String, Object>> m = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertThat(m).hasSize(30);
        assertThat(m.get(0)).containsKeys("min_reward", "mean_reward", "max_reward", "accuracy", "margin");
        // rows are drawn at random, so single steps are noisy: the mean of the last five against the first five
        double first = 0, last = 0;
        for (int i = 0; i < 5; i++) {
            first += DpoCommandTest.num(m.get(i), "loss");
            last += DpoCommandTest.num(m.get(25 + i), "loss");
        }
        assertThat(last).as(m.stream().map(x -> x.get("loss") + "/" + x.get("accuracy")).toList().toString())
                .isLessThan(first);
        Map<String, Object> h = Json.parseObject(Files.readString(out.resolve(DpoCommand.HELDOUT_FILE)));
        // the "held-out" pairs were trained on: their loss falls below the ln 2 of an untrained head
        assertThat(DpoCommandTest.num(h, "loss")).as(h.toString()).isLessThan(0.6);
        assertThat(DpoCommandTest.num(h, "margin")).as(h.toString()).isPositive();

        Path ckpt = out.resolve("checkpoint");
        Map<String, Object> config = Json.parseObject(Files.readString(ckpt.resolve("config.json")));
        assertThat(config.get("architectures")).isEqualTo(List.of("GPT2ForSequenceClassification"));
        assertThat(((Number) config.get("pad_token_id")).intValue()).isEqualTo(256);
        DecoderForSequenceClassification back = SequenceClassificationCheckpoint.load(ckpt);
        assertThat(back.namedParameters()).containsKey("score.weight").doesNotContainKey("lm_head.weight");
    }

    @Test
    void resumesExactly() throws Exception {
        Path straight = dir.resolve("straight"), split = dir.resolve("split");
        assertThat(reward(straight, "--steps", "4").code()).isZero();
        assertThat(reward(split, "--steps", "2", "--save-every", "2").code()).isZero();
        CliRun.Result again = reward(split, "--steps", "4", "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(MetricsLog.read(split.resolve("metrics.jsonl")).stream().map(DpoCommandTest::withoutTimes).toList())
                .isEqualTo(MetricsLog.read(straight.resolve("metrics.jsonl")).stream()
                        .map(DpoCommandTest::withoutTimes).toList());
        assertThat(CliRun.run("reward", "--help").out()).contains("--center-rewards C").contains("pairs per micro-batch");
    }
}
