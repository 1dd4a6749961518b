package cortado.cli;

import cortado.train.MetricsLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link PeftTrial} in a child JVM (this JVM's java binary, class path and flags, debugger and agents left
 * out), its output to a log file, and reads back the row it wrote.
 */
final class PeftTrialProcess {
    private PeftTrialProcess() {}

    /**
     * @param trialArgs {@link PeftTrial}'s flags, without {@code --result}
     * @param log       the child's stdout and stderr
     */
    static Map<String, Object> run(List<String> trialArgs, Path result, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String f : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!f.startsWith("-agentlib") && !f.startsWith("-javaagent") && !f.startsWith("-Xrunjdwp")) cmd.add(f);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PeftTrial.class.getName());
        cmd.addAll(trialArgs);
        cmd.add("--result");
        cmd.add(result.toString());
        Files.deleteIfExists(result);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code;
        try {
            code = p.waitFor();
        } finally {
            p.destroy();   // this command interrupted: the child goes with it
        }
        if (code != 0 || !Files.isRegularFile(result)) {
            List<String> lines = Files.readAllLines(log);
            String why = lines.stream().filter(l -> l.startsWith("error: ")).findFirst()
                    .orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1));
            throw new CliException("the trial failed (exit " + code + "; " + log + "): " + why.replaceFirst("^error: ", ""));
        }
        return MetricsLog.read(result).get(0);
    }
}
