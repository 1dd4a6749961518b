package cortado.train.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The process's collective: the job it was launched in (e.g. by {@code mpirun}, seen in its environment), else
 * {@link LocalCollective}. {@code CORTADO_COLLECTIVE=local|NAME} overrides the detection.
 */
public final class Collectives {
    public static final String ENV = "CORTADO_COLLECTIVE";

    private static Collective world;

    private Collectives() {}

    /** The collective of this process's job, joined on first use. */
    public static synchronized Collective world() {
        if (world == null) world = open(System.getenv());
        return world;
    }

    /** True when this process runs in a multi-process job (checked from the environment; nothing is loaded). */
    public static boolean launched() {
        return provider(System.getenv()) != null;
    }

    /** Leaves the job if it was joined (MPI_Finalize); the world is local afterwards. */
    public static synchronized void closeWorld() {
        if (world != null) world.close();
        world = LocalCollective.INSTANCE;
    }

    static Collective open(Map<String, String> env) {
        CollectiveProvider p = provider(env);
        return p == null ? LocalCollective.INSTANCE : p.open(env);
    }

    private static CollectiveProvider provider(Map<String, String> env) {
        String forced = env.get(ENV);
        if ("local".equals(forced)) return null;
        List<String> names = new ArrayList<>(List.of("local"));
        for (CollectiveProvider p : ServiceLoader.load(CollectiveProvider.class, Collectives.class.getClassLoader())) {
            if (forced == null ? p.launchedBy(env) : p.name().equals(forced)) return p;
            names.add(p.name());
        }
        if (forced != null)
            throw new IllegalStateException(ENV + "=" + forced + ": unknown collective (known: " + String.join(", ", names) + ")");
        return null;
    }
}
