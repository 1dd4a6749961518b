package cortado.tests.dist;

import static cortado.tests.dist.MpiTrainingRuns.metrics;
import static cortado.tests.dist.MpiTrainingRuns.resumed;
import static cortado.tests.dist.MpiTrainingRuns.run1;
import static cortado.tests.dist.MpiTrainingRuns.sameLosses;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training under {@code mpirun -np 2} (child JVMs running {@code cortado.cli.Main}) against one
 * in-process rank with the whole batch: 2 ranks x B/2 rows must give the losses of 1 rank x B, for pretraining and
 * for LoRA fine-tuning with 2 micro-batches per update, and so must the gradient norms (to 1e-5 relative; why that
 * tolerance: {@link MpiTrainingRuns}). Also:
 * a rank killed mid-run ends the job within 60 s, and the last checkpoint the 2 ranks wrote resumes on 1 rank with
 * the single process's next losses.
 */
class DataParallelTrainingTest {
    @TempDir static Path dir;
    static MpiTrainingRuns runs;
    static Path reference;
    static final int STEPS = 10;

    @BeforeAll
    static void setUp() throws Exception { runs = new MpiTrainingRuns(dir); }

    /** One rank of batch 4 for 14 steps: what both pretraining tests compare with (its first 10 steps, or after a resume). */
    static synchronized List<Map<String, Object>> reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("pretrain-1");
            run1(runs.pretrain(out, 4, 14));
            reference = out;
        }
        return metrics(reference);
    }

    @Test
    void twoRanksOfHalfTheBatchPretrainAsOneRankOfTheWholeBatch() throws Exception {
        Path two = dir.resolve("pretrain-2");
        String log = runs.run2(runs.pretrain(two, 2, STEPS), "pretrain-2");
        assertThat(metrics(two)).as("rank 0 alone writes metrics.jsonl").hasSize(STEPS);
        sameLosses(reference(), metrics(two));
        assertThat(log).as("only rank 0 prints").containsOnlyOnce("done: " + STEPS + " steps");
        assertThat(log).contains("1 threads on each of 2 ranks (", "a global batch of 4 rows");
        assertThat(reference().getFirst().get("loss")).as("the run learns").isNotEqualTo(reference().get(STEPS - 1).get("loss"));
    }

    @Test
    void twoRanksOfHalfTheBatchFinetuneLoraAsOneRank() throws Exception {
        Path one = dir.resolve("lora-1"), two = dir.resolve("lora-2");
        run1(runs.lora(one, 4, STEPS));
        runs.run2(runs.lora(two, 2, STEPS), "lora-2");
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(metrics(one), metrics(two));
        assertThat(Files.isRegularFile(two.resolve("adapter_model.safetensors"))).isTrue();
    }

    @Test
    void aKilledRankEndsTheJobAndTheCheckpointOfTwoRanksResumesOnOne() throws Exception {
        Path killed = dir.resolve("killed");
        reference();
        Process job = MpiJob.start(2, dir.resolve("killed.log"), "cortado.cli.Main", runs.pretrain(killed, 2, 200));
        Path state = killed.resolve("checkpoint/trainer_state.json"), metrics = killed.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (job.isAlive() && System.nanoTime() < deadline
                && !(Files.isRegularFile(state) && Files.isRegularFile(metrics) && Files.readAllLines(metrics).size() >= 6))
            Thread.sleep(5);
        assertThat(job.isAlive()).as("the job still trains: " + Files.readString(dir.resolve("killed.log"))).isTrue();
        ProcessHandle rank1 = rank(job, 1).orElseThrow(() -> new AssertionError("no rank 1 under mpirun"));
        long killedAt = System.nanoTime();
        rank1.destroyForcibly();
        boolean ended = job.waitFor(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        if (!ended) job.descendants().forEach(ProcessHandle::destroyForcibly);
        if (!ended) job.destroyForcibly();
        assertThat(ended).as("rank 0 and mpirun exit within 60 s of rank 1's death").isTrue();
        assertThat(job.exitValue()).as("the job fails (" + seconds + " s)").isNotZero();

        // The last checkpoint (every 5 steps) loads on one rank of the whole batch and continues the same run.
        int saved = ((Number) ((Map<?, ?>) cortado.data.json.Json.parse(Files.readString(state))).get("step")).intValue();
        assertThat(saved).isBetween(5, 10);
        run1(resumed(runs.pretrain(killed, 4, saved + 4)));
        List<Map<String, Object>> after = metrics(killed);
        assertThat(after).hasSize(saved + 4);
        sameLosses(reference(), after);
    }

    /** The process of MPI rank {@code r} under mpirun (Open MPI gives each its rank in the environment). */
    private static Optional<ProcessHandle> rank(Process mpirun, int r) {
        return mpirun.descendants().filter(h -> {
            try {
                String env = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"), StandardCharsets.ISO_8859_1);
                return ("\0" + env).contains("\0OMPI_COMM_WORLD_RANK=" + r + "\0");
            } catch (Exception e) {
                return false;
            }
        }).findFirst();
    }
}
