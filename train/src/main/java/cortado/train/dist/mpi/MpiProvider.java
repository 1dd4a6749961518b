package cortado.train.dist.mpi;

import cortado.train.dist.Collective;
import cortado.train.dist.CollectiveProvider;
import java.util.Map;

/** MPI, chosen when the process was started by mpirun/mpiexec (Open MPI's, MPICH's Hydra or a PMIx launcher). */
public final class MpiProvider implements CollectiveProvider {
    @Override public String name() { return "mpi"; }

    @Override
    public boolean launchedBy(Map<String, String> env) {
        return env.containsKey("OMPI_COMM_WORLD_SIZE") || env.containsKey("PMI_SIZE") || env.containsKey("PMIX_RANK");
    }

    @Override
    public Collective open(Map<String, String> env) {
        try {
            return MpiCollective.open(env);
        } catch (RuntimeException e) {
            throw new IllegalStateException("launched under MPI but cannot join the job: " + e.getMessage(), e);
        }
    }
}
