package cortado.metrics;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics module is a floor that needs nothing (so train's early stopping and eval above it can both use it):
 * its main sources import only java.* and cortado.metrics.
 */
class MetricsFloorTest {
    @Test
    void mainSourcesImportOnlyTheJdkAndThemselves() throws IOException {
        Path src = Path.of("src/main/java");
        assertThat(src).isDirectory();
        Pattern imp = Pattern.compile("^import\\s+(static\\s+)?([\\w.]+)", Pattern.MULTILINE);
        List<String> bad = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                files++;
                Matcher m = imp.matcher(Files.readString(p));
                while (m.find()) {
                    String name = m.group(2);
                    if (!name.startsWith("java.") && !name.startsWith("cortado.metrics.")) bad.add(p.getFileName() + ": " + name);
                }
            }
        }
        assertThat(files).isGreaterThan(10);
        assertThat(bad).isEmpty();
    }
}
