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
 * ZeRO-1, ZeRO-2 and ZeRO-3 under {@code mpirun -np 2}: 2 ranks x B/2 with the optimizer state (at stage 2 the
 * gradients too, at stage 3 the parameters too) sharded give the losses and gradient norms of 1 rank x B without ZeRO, for 10 steps, pretraining and LoRA
 * fine-tuning with 2 micro-batches; a checkpoint the 2 sharded ranks wrote (the state gathered on rank 0; at stage 3
 * the parameters too) resumes on 1 rank without ZeRO and on 2 ranks with it, each continuing the single process's run. Tolerance 1e-5 (absolute on
 * losses, relative on norms), as in {@link DataParallelTrainingTest} (why: {@link MpiTrainingRuns}). The tiny model's
 * trainable parameters do not divide evenly between the ranks, so a parameter is cut at the shard boundary.
 */
class ZeroShardingTest {
    @TempDir static Path dir;
    static MpiTrainingRuns runs;
    static Path reference, loraReference;
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

    /** 2 ranks x batch 2 at ZeRO stage {@code zero}, against the reference's first 10 steps; returns the run's folder. */
    static Path pretrainsOnTwoRanksAsOne(int zero) throws Exception {
        Path two = dir.resolve("zero" + zero);
        String log = runs.run2(pretrain(two, 2, STEPS, zero), "zero" + zero);
        assertThat(log).contains("a global batch of 4 rows, ZeRO-" + zero);
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(reference(), metrics(two));
        return two;
    }

    /**
     * The checkpoint after step 10 of {@code two} (the single process's format) resumed on 1 rank without ZeRO and on
     * 2 ranks at stage {@code zero}: both continue the reference.
     */
    static void resumesOnOneAndOnTwoRanks(Path two, int zero) throws Exception {
        String name = two.getFileName().toString();
        Path onOne = dir.resolve(name + "-resumed-1"), onTwo = dir.resolve(name + "-resumed-2");
        copyTree(two, onOne);
        copyTree(two, onTwo);
        run1(resumed(pretrain(onOne, 4, STEPS + MORE, 0)));
        runs.run2(resumed(pretrain(onTwo, 2, STEPS + MORE, zero)), name + "-resumed-2");
        for (Path resumed : List.of(onOne, onTwo)) {
            List<Map<String, Object>> after = metrics(resumed);
            assertThat(after).as(resumed.toString()).hasSize(STEPS + MORE);
            sameLosses(reference(), after.subList(STEPS, STEPS + MORE));
        }
    }

    @Test
    void zeroOneOnTwoRanksPretrainsAsOneRankOfTheWholeBatch() throws Exception {
        pretrainsOnTwoRanksAsOne(1);
    }

    @Test
    void zeroTwoOnTwoRanksPretrainsAsOneRankAndItsCheckpointResumesOnOneAndOnTwoRanks() throws Exception {
        resumesOnOneAndOnTwoRanks(pretrainsOnTwoRanksAsOne(2), 2);   // the checkpoint holds the whole optimizer state
    }

    @Test
    void zeroThreeOnTwoRanksPretrainsAsOneRankAndItsCheckpointResumesOnOneAndOnTwoRanks() throws Exception {
        resumesOnOneAndOnTwoRanks(pretrainsOnTwoRanksAsOne(3), 3);   // the whole parameters and optimizer state
    }

    /** One rank of batch 4 fine-tuning LoRA without ZeRO: what the LoRA runs compare with (run once). */
    static synchronized List<Map<String, Object>> loraReference() throws Exception {
        if (loraReference == null) {
            Path out = dir.resolve("lora-1");
            run1(lora(out, 4, 0));
            loraReference = out;
        }
        return metrics(loraReference);
    }

    /** 2 ranks x batch 2 fine-tuning LoRA at ZeRO stage {@code zero}, against the LoRA reference; returns the run's folder. */
    static Path finetunesLoraOnTwoRanksAsOne(int zero) throws Exception {
        Path two = dir.resolve("lora-zero" + zero);
        runs.run2(lora(two, 2, zero), "lora-zero" + zero);
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(loraReference(), metrics(two));
        return two;
    }

    @Test
    void zeroThreeOnTwoRanksFinetunesLoraAsOneRank() throws Exception {
        Path two = finetunesLoraOnTwoRanksAsOne(3);
        assertThat(two.resolve("adapter_model.safetensors")).as("the adapter, gathered after training").exists();
    }

    @Test
    void zeroTwoOnTwoRanksFinetunesLoraAsOneRank() throws Exception {
        finetunesLoraOnTwoRanksAsOne(2);
    }

    @Test
    void aNonElementwiseOptimizerIsRefused() {
        CliRunner.Result r = CliRunner.run(pretrain(dir.resolve("lamb"), 4, 1, 1).stream()
                .flatMap(s -> s.equals("--zero") ? Stream.of("--optimizer", "lamb", s) : Stream.of(s)).toArray(String[]::new));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("error: --zero shards the optimizer state element by element, which lamb");
        CliRunner.Result four = CliRunner.run(pretrain(dir.resolve("four"), 4, 1, 4).toArray(String[]::new));
        assertThat(four.err()).contains("error: --zero 4: stages 0, 1, 2 and 3 exist");
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
