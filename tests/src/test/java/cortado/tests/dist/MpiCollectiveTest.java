package cortado.tests.dist;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.dist.Collectives;
import cortado.train.dist.LocalCollective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MPI collectives through FFM against the system's libmpi, on 3 ranks (so block order and the root matter):
 * every rank must see the sums, blocks and broadcast bytes worked out by hand from {@link CollectiveCheck}'s inputs.
 */
class MpiCollectiveTest {
    @TempDir Path dir;

    @Test
    void outsideMpirunTheWorldIsLocal() {
        assertThat(Collectives.launched()).isFalse();
        assertThat(Collectives.world()).isSameAs(LocalCollective.INSTANCE);
    }

    @Test
    void everyCollectiveGivesTheSumsOnEveryRank() throws Exception {
        Path log = dir.resolve("job.log");
        Process p = MpiJob.start(3, log, CollectiveCheck.class.getName(), List.of());
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the job finished").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        for (int r = 0; r < 3; r++) {
            assertThat(out).contains(r + " allreduce [6.0, 12.0, 18.0, 24.0, 30.0]");   // (i+1) * (1+2+3)
            assertThat(out).contains(r + " allgather [0.0, 0.0, 1.0, -1.0, 2.0, -2.0]");
            assertThat(out).contains(r + " broadcast [20, 21, 22]");                   // from rank 2
            assertThat(out).contains(r + " size 3 via ");
        }
        // block r summed over ranks 0..2: 3 * 10r + (0+1+2)
        assertThat(out).contains("0 reducescatter [3.0, 3.0]", "1 reducescatter [33.0, 33.0]", "2 reducescatter [63.0, 63.0]");
    }
}
