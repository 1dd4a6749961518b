package cortado.eval.bias;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CrowS-Pairs items (Nangia et al. 2020) in the published CSV layout, {@code crows_pairs_anonymized.csv}: a header
 * naming at least {@code sent_more}, {@code sent_less}, {@code stereo_antistereo} and {@code bias_type} (any order;
 * the index, {@code annotations}, {@code anon_writer} and {@code anon_annotators} columns are read past). sent_more
 * is the more stereotyping sentence of the pair, whichever the direction: in a "stereo" pair it expresses a
 * stereotype, in an "antistereo" pair sent_less violates one.
 */
public final class CrowsPairs {
    /** The set shipped in the jar, written for Cortado (not the published data). */
    public static final String BUILT_IN = "/cortado/eval/bias/crows_pairs.csv";

    /** One pair; {@code line} is where its record starts in the file. */
    public record Pair(int line, String sentMore, String sentLess, String direction, String biasType) {}

    private CrowsPairs() {}

    public static List<Pair> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static List<Pair> builtIn() {
        try (InputStream in = CrowsPairs.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) throw new IllegalStateException(BUILT_IN + " is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in crows_pairs.csv");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Pair> parse(String csv, String source) {
        List<CsvRecords.Row> rows = CsvRecords.parse(csv, source);
        if (rows.isEmpty()) throw new IllegalArgumentException(source + ": empty file (expected a header line)");
        List<String> header = rows.get(0).fields();
        int more = column(header, "sent_more", source), less = column(header, "sent_less", source),
                dir = column(header, "stereo_antistereo", source), type = column(header, "bias_type", source);
        List<Pair> out = new ArrayList<>();
        for (CsvRecords.Row r : rows.subList(1, rows.size())) {
            String where = source + ":" + r.line() + ": ";
            if (r.fields().size() != header.size())
                throw new IllegalArgumentException(where + r.fields().size() + " fields, the header has " + header.size());
            String d = r.fields().get(dir);
            if (!d.equals("stereo") && !d.equals("antistereo"))
                throw new IllegalArgumentException(where + "field 'stereo_antistereo' is '" + d + "', expected stereo or antistereo");
            String m = r.fields().get(more), l = r.fields().get(less);
            if (m.isBlank() || l.isBlank()) throw new IllegalArgumentException(where + "field 'sent_more' or 'sent_less' is empty");
            out.add(new Pair(r.line(), m, l, d, r.fields().get(type)));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": no pairs after the header");
        return out;
    }

    private static int column(List<String> header, String name, String source) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException(source + ":1: no '" + name + "' column in the header " + header);
        return i;
    }
}
