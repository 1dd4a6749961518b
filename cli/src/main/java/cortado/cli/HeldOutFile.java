package cortado.cli;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A held-out score (dpo's heldout_metrics.json, grpo's and ppo's heldout_reward.json): one JSON line, written atomically. */
final class HeldOutFile {
    private HeldOutFile() {}

    static void write(Path out, String name, Map<String, Object> row, PrintStream o) throws IOException {
        Path f = out.resolve(name);
        AtomicFiles.write(f, tmp -> Files.writeString(tmp, Json.write(row) + "\n", StandardCharsets.UTF_8));
        o.println("wrote " + f);
    }
}
