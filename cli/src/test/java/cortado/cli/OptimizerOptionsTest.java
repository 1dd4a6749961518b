package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.LrSchedule;
import cortado.train.MetricsLog;
import cortado.train.OptimizerKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --optimizer, --schedule and --param-group on pretrain and finetune. */
class OptimizerOptionsTest {
    @TempDir static Path dir;
    static Path text;

    @BeforeAll
    static void setUp() throws Exception {
        text = dir.resolve("stories.txt");
        Files.writeString(text, "the cat sat on the mat. the dog ran to the park. ".repeat(60), StandardCharsets.UTF_8);
    }

    static CliRun.Result pretrain(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--model", "gpt2-tiny", "--data", text.toString(),
                "--out", out.toString(), "--batch", "2", "--seq", "16", "--val-every", "0", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<Map<String, Object>> metrics(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    @Test
    void pretrainWithLambAndGroupsFollowsTheScheduleAndResumesExactly() throws Exception {
        String[] lamb = {"--optimizer", "lamb", "--lr", "1e-2", "--warmup", "1", "--param-group",
                "transformer.h.*.attn.*=0.5", "--param-group", "transformer.wte.*=1:0"};
        Path restarts = dir.resolve("lamb-restarts");
        CliRun.Result r = pretrain(restarts, concat(lamb, "--steps", "5", "--schedule", "cosine-with-restarts:2"));
        assertThat(r.code()).as(r.err()).isZero();
        LrSchedule s = LrSchedule.named("cosine-with-restarts:2", 1e-2f, 1, 5);
        List<Map<String, Object>> m = metrics(restarts);
        assertThat(m).hasSize(5);
        for (int i = 0; i < 5; i++)
            assertThat(((Number) m.get(i).get("lr")).floatValue()).as("step %d", i + 1).isEqualTo(s.lr(i));

        // inverse-sqrt does not depend on --steps, so 3 steps then --resume to 5 is the same run as 5 at once
        String[] run = concat(lamb, "--schedule", "inverse-sqrt");
        Path straight = dir.resolve("lamb-straight"), split = dir.resolve("lamb-split");
        assertThat(pretrain(straight, concat(run, "--steps", "5")).code()).isZero();
        assertThat(pretrain(split, concat(run, "--steps", "3")).code()).isZero();
        CliRun.Result resumed = pretrain(split, concat(run, "--steps", "5", "--resume"));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(metrics(split).stream().map(x -> x.get("loss")).toList())
                .isEqualTo(metrics(straight).stream().map(x -> x.get("loss")).toList());
        // another optimizer cannot continue LAMB's state
        CliRun.Result other = pretrain(split, "--optimizer", "lion", "--steps", "6", "--resume");
        assertThat(other.code()).isEqualTo(Main.FAILURE);
        assertThat(other.err()).contains("optimizer state of lamb, but this run uses lion");
    }

    @Test
    void everyNewKindTrainsFromTheCommandLine() throws Exception {
        for (String kind : List.of("sgd", "sgd-nesterov", "lion", "adafactor", "adafactor-relative")) {
            Path out = dir.resolve("kind-" + kind);
            CliRun.Result r = kind.equals("adafactor-relative") ? pretrain(out, "--optimizer", kind, "--steps", "3")
                    : pretrain(out, "--optimizer", kind, "--steps", "3", "--lr", kind.equals("lion") ? "1e-3" : "1e-2");
            assertThat(r.code()).as(kind + ": " + r.err()).isZero();
            assertThat(metrics(out)).hasSize(3);
            assertThat(Files.readString(out.resolve("checkpoint/trainer_state.json"))).contains("\"optimizer_step\":3");
        }
        // finetune takes the same kinds
        Path base = dir.resolve("kind-sgd/checkpoint");
        CliRun.Result f = CliRun.run("finetune", "--model", base.toString(), "--data", text.toString(), "--out",
                dir.resolve("ft-lion").toString(), "--batch", "2", "--seq", "16", "--steps", "2", "--optimizer", "lion",
                "--lr", "1e-3", "--threads", "1");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.out()).contains("optimizer lion: ");
    }

    @Test
    void helpListsExactlyWhatExists() {
        for (String cmd : List.of("pretrain", "finetune")) {
            CliRun.Result help = CliRun.run(cmd, "--help");
            assertThat(help.code()).isZero();
            assertThat(help.out()).contains("--optimizer " + String.join("|", OptimizerOptions.NAMES));
            for (OptimizerKind k : OptimizerKind.values()) assertThat(help.out()).contains(k.cliName() + ": ");
            for (String s : LrSchedule.NAMES) assertThat(help.out()).as(cmd + " " + s).contains(s);
            assertThat(help.out()).contains("--param-group PATTERN=LR_SCALE[:DECAY]");
        }
    }

    @Test
    void badChoicesAreOneLineUsageErrors() {
        Path out = dir.resolve("unused");
        for (String[] bad : List.of(new String[] {"--optimizer", "adam"}, new String[] {"--schedule", "cosine_hf"},
                new String[] {"--schedule", "linear:2"}, new String[] {"--param-group", "*.bias"},
                new String[] {"--param-group", "*.bias=slow"}, new String[] {"--optimizer", "lion",
                        "--optimizer-memory-cap", "8"}, new String[] {"--optimizer", "adafactor-relative", "--lr", "1e-3"})) {
            CliRun.Result r = pretrain(out, bad);
            assertThat(r.code()).as(String.join(" ", bad)).isEqualTo(Main.USAGE);
            assertThat(r.err().lines().toList()).as(r.err()).hasSize(1)
                    .allMatch(l -> l.startsWith("error: --") && l.contains(bad[bad.length - 2].substring(2)));
        }
        CliRun.Result typo = pretrain(out, "--param-group", "wte.*=0.5", "--steps", "1");
        assertThat(typo.code()).isEqualTo(Main.FAILURE);
        assertThat(typo.err()).startsWith("error: parameter group wte.* matches no trainable parameter (names look like transformer.wte.weight,");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
