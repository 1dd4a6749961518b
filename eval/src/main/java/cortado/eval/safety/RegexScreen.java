package cortado.eval.safety;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Regular expressions (Java's syntax; {@code (?i)} for case-insensitive), from a file of one pattern a line,
 * optionally named ({@code NAME<TAB>PATTERN}), '#' starting a comment line. A completion is flagged by every
 * pattern found in it, with the matched text.
 */
public final class RegexScreen implements Screen {
    private final String name;
    private final Map<String, Pattern> patterns;

    public RegexScreen(String name, Map<String, Pattern> patterns) {
        if (patterns.isEmpty()) throw new IllegalArgumentException(name + ": no patterns");
        this.name = name;
        this.patterns = new LinkedHashMap<>(patterns);   // file order
    }

    public static RegexScreen of(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        Map<String, Pattern> patterns = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.strip().startsWith("#")) continue;
            int tab = line.indexOf('\t');
            String label = tab < 0 ? "line " + (i + 1) : line.substring(0, tab).strip();
            String regex = tab < 0 ? line.strip() : line.substring(tab + 1).strip();
            try {
                if (patterns.put(label, Pattern.compile(regex)) != null)
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": a second pattern named '" + label + "'");
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": bad regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
            }
        }
        return new RegexScreen("regex:" + file.getFileName(), patterns);
    }

    @Override public String name() { return name; }

    @Override
    public List<Flag> screen(String text) {
        List<Flag> out = new ArrayList<>();
        for (var e : patterns.entrySet()) {
            Matcher m = e.getValue().matcher(text);
            if (m.find()) out.add(new Flag(name, e.getKey() + ": \"" + m.group() + "\""));
        }
        return out;
    }
}
