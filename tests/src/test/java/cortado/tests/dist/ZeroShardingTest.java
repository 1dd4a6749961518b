package cortado.tests.dist;

import static cortado.tests.dist.MpiTrainingRuns.metrics;
import static cortado.tests.dist.MpiTrainingRuns.resumed;
import static cortado.tests.dist.MpiTrainingRuns.run1;
import static cortado.tests.dist.MpiTrainingRuns.sameLosses;
import static org.assertj.core.api.Assertions.assertThat;

import cortado.tests.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO-1 and ZeRO-2 under {@code mpirun -np 2}: 2 ranks x B/2 with the optimizer state (and, at stage 2, the
 * gradients) sharded give the losses and gradient norms of 1 rank x B without ZeRO, for 10 steps, pretraining and LoRA
 * fine-tuning with 2 micro-batches; a checkpoint the 2 sharded ranks wrote (the state gathered on rank 0) resumes on
 * 1 rank without ZeRO and on 2 ranks with it, each continuing the single process's run. Tolerance 1e-5 (absolute on
 * losses, relative on norms), as in {@link DataParallelTrainingTest} (why: {@link MpiTrainingRuns}). The tiny model's
 * trainable parameters do not divide evenly between the ranks, so a parameter is cut at the shard boundary.
 */
class ZeroShardingTest {
    @TempDir static Path dir;
    static MpiTrainingRuns runs;
    static Path reference;
    static final int STEPS = 10, MORE = 4;

    @BeforeAll
    static void setUp() throws Exception { runs = new MpiTrainingRuns(dir); }

    /** DataParallelTrainingTest's pretraining run with --zero. */
    static List<String> pretrain(Path out, int batch, int steps, int zero) {
        return runs.pretrain(out, batch, steps, "--zero", Integer.toString(zero));
    }

    /** One rank of batch 4, no ZeRO, 14 steps: what the pretraining runs compare with. */
    static synchronized List<Map<String, Object>> reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("pretrain-1");
            run1(pretrain(out, 4, STEPS + MORE, 0));
            reference = out;
        }
        return metrics(reference);
    }

    @Test
    void zeroOneOnTwoRanksPretrainsAsOneRankOfTheWholeBatch() throws Exception {
        Path two = dir.resolve("zero1");
        String log = runs.run2(pretrain(two, 2, STEPS, 1), "zero1");
        assertThat(log).contains("a global batch of 4 rows, ZeRO-1");
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(reference(), metrics(two));
    }

    @Test
    void zeroTwoOnTwoRanksPretrainsAsOneRankAndItsCheckpointResumesOnOneAndOnTwoRanks() throws Exception {
        Path two = dir.resolve("zero2");
        runs.run2(pretrain(two, 2, STEPS, 2), "zero2");
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(reference(), metrics(two));

        // The checkpoint after step 10 holds the whole optimizer state in the single process's format.
        Path onOne = dir.resolve("zero2-resumed-1"), onTwo = dir.resolve("zero2-resumed-2");
        copyTree(two, onOne);
        copyTree(two, onTwo);
        run1(resumed(pretrain(onOne, 4, STEPS + MORE, 0)));
        runs.run2(resumed(pretrain(onTwo, 2, STEPS + MORE, 2)), "zero2-resumed-2");
        for (Path resumed : List.of(onOne, onTwo)) {
            List<Map<String, Object>> after = metrics(resumed);
            assertThat(after).as(resumed.toString()).hasSize(STEPS + MORE);
            sameLosses(reference(), after.subList(STEPS, STEPS + MORE));
        }
    }

    @Test
    void zeroTwoOnTwoRanksFinetunesLoraAsOneRank() throws Exception {
        Path one = dir.resolve("lora-1"), two = dir.resolve("lora-zero2");
        run1(lora(one, 4, 0));
        runs.run2(lora(two, 2, 2), "lora-zero2");
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(metrics(one), metrics(two));
    }

    @Test
    void aNonElementwiseOptimizerIsRefused() {
        CliRunner.Result r = CliRunner.run(pretrain(dir.resolve("lamb"), 4, 1, 1).stream()
                .flatMap(s -> s.equals("--zero") ? Stream.of("--optimizer", "lamb", s) : Stream.of(s)).toArray(String[]::new));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("error: --zero shards the optimizer state element by element, which lamb");
        CliRunner.Result three = CliRunner.run(pretrain(dir.resolve("three"), 4, 1, 3).toArray(String[]::new));
        assertThat(three.err()).contains("error: --zero 3: stages 0, 1 and 2 exist");
    }

    /** DataParallelTrainingTest's LoRA run with --zero. */
    static List<String> lora(Path out, int batch, int zero) {
        return runs.lora(out, batch, STEPS, "--zero", Integer.toString(zero));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
