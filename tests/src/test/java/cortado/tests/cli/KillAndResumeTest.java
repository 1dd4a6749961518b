package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of {@code pretrain}, then {@code --resume}, gives exactly the losses of a run that was
 * never interrupted: the checkpoint holds everything the run depends on (parameters, AdamW moments and step, the data
 * generator's state) and is renamed into place only when complete, and metrics.jsonl drops the lines written after
 * the checkpoint (including a torn last line) so the file again describes one run.
 */
class KillAndResumeTest {
    @TempDir Path dir;

    private static final int STEPS = 60, SAVE_EVERY = 4;

    private String[] args(Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--model", "gpt2-tiny", "--data", data.toString(),
                "--steps", Integer.toString(STEPS), "--batch", "2", "--seq", "32", "--lr", "3e-3", "--warmup", "2",
                "--val-every", "0", "--save-every", Integer.toString(SAVE_EVERY), "--out", out.toString(),
                "--threads", "2"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void killedMidRunThenResumedMatchesAnUninterruptedRun() throws Exception {
        Path data = dir.resolve("corpus.txt");
        Files.writeString(data, "the quick brown fox jumps over the lazy dog; a lazy dog sleeps. ".repeat(150));

        Path whole = dir.resolve("whole");
        CliRunner.Result r = CliRunner.run(args(data, whole));
        assertThat(r.code()).as(r.err()).isZero();
        List<String> reference = DeterminismCliTest.trajectory(whole.resolve("metrics.jsonl"));
        assertThat(reference).hasSize(STEPS);

        // The same run in a child JVM, killed (SIGKILL) once a checkpoint exists and two more steps have started.
        Path killed = dir.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "cortado.cli.Main"));
        cmd.addAll(List.of(args(data, killed)));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        Path state = killed.resolve("checkpoint/trainer_state.json"), metrics = killed.resolve("metrics.jsonl");
        int savedStep = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (child.isAlive() && System.nanoTime() < deadline) {
            if (Files.isRegularFile(state) && Files.isRegularFile(metrics)) {
                long lines = Files.readAllLines(metrics, StandardCharsets.UTF_8).size();
                if (lines >= SAVE_EVERY + 2) break;
            }
            Thread.sleep(2);
        }
        assertThat(child.isAlive()).as("the child was still training when killed (log: "
                + Files.readString(dir.resolve("child.log")) + ")").isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by a signal").isNotZero();
        List<String> before = DeterminismCliTest.trajectory(metrics);
        assertThat(before.size()).as("steps logged before the kill").isLessThan(STEPS);

        r = CliRunner.run(args(data, killed, "--resume"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("resuming at step \\d+ of " + STEPS);
        assertThat(DeterminismCliTest.trajectory(metrics)).as("losses after kill -9 and --resume").isEqualTo(reference);
        assertThat(Files.readAllBytes(killed.resolve("checkpoint/model.safetensors")))
                .as("final parameters").isEqualTo(Files.readAllBytes(whole.resolve("checkpoint/model.safetensors")));
    }
}
