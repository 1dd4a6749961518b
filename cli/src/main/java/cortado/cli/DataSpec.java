package cortado.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --data FILE} or {@code --data A:W,B:W,...}: one training file, or several mixed by weight. A weight is any
 * positive number (they are normalized); an entry without one, in a list of several, weighs 1. An entry that is an
 * existing file as written is that file, even with a colon in its name.
 *
 * @param path   the file
 * @param weight its weight, or null when none was written
 */
record DataSpec(Path path, Double weight) {
    /** The entries of a --data value, each file checked to exist. */
    static List<DataSpec> parse(String value) throws UsageException {
        List<DataSpec> out = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String entry = raw.strip();
            if (entry.isEmpty()) throw new UsageException("--data " + value + ": an empty entry (expected FILE or A:W,B:W)");
            Path path = Path.of(entry);
            Double weight = null;
            int colon = entry.lastIndexOf(':');
            if (colon > 0 && !Files.exists(path)) {
                String w = entry.substring(colon + 1).strip();
                path = Path.of(entry.substring(0, colon));
                double x;
                try {
                    x = Double.parseDouble(w);
                } catch (NumberFormatException e) {
                    throw new UsageException("--data " + entry + ": the weight '" + w + "' is not a number");
                }
                if (!(x > 0) || Double.isInfinite(x))
                    throw new UsageException("--data " + entry + ": the weight must be a positive number, got " + w);
                weight = x;
            }
            if (!Files.exists(path)) throw new CliException(path + ": no such file");
            for (DataSpec d : out)
                if (d.path().normalize().equals(path.normalize()))
                    throw new UsageException("--data " + value + ": " + path + " is given twice");
            out.add(new DataSpec(path, weight));
        }
        return out;
    }

    /** Whether the value mixes sources (several files, or one with a weight). */
    static boolean isMix(List<DataSpec> specs) { return specs.size() > 1 || specs.get(0).weight() != null; }
}
