package cortado.train.dist;

import java.util.Map;

/**
 * A way to run collectives across processes, registered through {@link java.util.ServiceLoader} so that the trainer
 * never names an implementation and a library behind one (libmpi) is loaded only when a job uses it.
 */
public interface CollectiveProvider {
    /** The name {@code CORTADO_COLLECTIVE=NAME} chooses it by ("mpi"). */
    String name();

    /** True when {@code env} shows that this process was started by this provider's launcher (mpirun). */
    boolean launchedBy(Map<String, String> env);

    /** Joins the job (loads the library, initializes it); a failure names what is missing. */
    Collective open(Map<String, String> env);
}
