package cortado.tests.dist;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Starts a child JVM job under Open MPI's mpirun for the MPI tests. Without mpirun the tests are skipped with the
 * reason, except under CI=true, where a missing MPI is a failure ({@code ./cortado test} installs Open MPI when it
 * runs as root).
 */
public final class MpiJob {
    private MpiJob() {}

    /** mpirun on PATH; else a failure under CI, a skip otherwise. */
    public static String mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p.toString();
        }
        String why = "mpirun is not on PATH: the MPI tests need Open MPI (apt-get install openmpi-bin libopenmpi-dev;"
                + " ./cortado test installs it when run as root)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why);
        Assumptions.abort(why);
        return null;
    }

    /**
     * {@code mpirun -np N java ... MAIN ARGS} with this JVM's classpath and flags; output and errors go to {@code log}.
     * Root may run it (Open MPI refuses otherwise); processes are not bound to cores, so N may exceed the cores.
     */
    public static Process start(int np, Path log, String mainClass, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(mpirun(), "-np", Integer.toString(np), "--oversubscribe",
                "--bind-to", "none",
                ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        env.remove("CORTADO_COLLECTIVE");
        return pb.start();
    }
}
