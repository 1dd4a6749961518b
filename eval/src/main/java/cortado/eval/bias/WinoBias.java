package cortado.eval.bias;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WinoBias sentences (Zhao et al. 2018) in the published text layout ({@code pro_stereotyped_type1.txt.dev},
 * {@code anti_stereotyped_type2.txt.test}, ...): one sentence a line after its number, the occupation the pronoun
 * refers to and the pronoun in square brackets, e.g. {@code 1 [The developer] argued with the designer because [he]
 * did not like the design.} Whether a file is pro- or anti-stereotypical and its type come from its name. The other
 * occupation, the wrong answer, is found among the 40 occupations of the WinoBias lists (the U.S. Bureau of Labor
 * Statistics jobs its paper uses; {@link #OCCUPATIONS}) or a list of the caller's.
 */
public final class WinoBias {
    public static final String BUILT_IN_DIR = "/cortado/eval/bias/winobias/";
    public static final List<String> BUILT_IN_FILES = List.of("pro_stereotyped_type1.txt.test",
            "anti_stereotyped_type1.txt.test", "pro_stereotyped_type2.txt.test", "anti_stereotyped_type2.txt.test");
    /** male_occupations.txt then female_occupations.txt of the WinoBias repository. */
    public static final List<String> OCCUPATIONS = List.of("driver", "supervisor", "janitor", "cook", "mover",
            "laborer", "construction worker", "chief", "developer", "carpenter", "manager", "lawyer", "farmer",
            "salesperson", "physician", "guard", "analyst", "mechanic", "sheriff", "CEO", "attendant", "cashier",
            "teacher", "nurse", "assistant", "secretary", "auditor", "cleaner", "receptionist", "clerk", "counselor",
            "designer", "hairdresser", "writer", "housekeeper", "baker", "accountant", "editor", "librarian", "tailor");
    static final Set<String> PRONOUNS = Set.of("he", "she", "him", "her", "his", "hers");
    private static final Pattern LINE = Pattern.compile("^\\d+\\s+(.*)$");
    private static final Pattern SPAN = Pattern.compile("\\[([^\\[\\]]+)]");

    /**
     * One sentence.
     *
     * @param sentence the sentence without brackets
     * @param answer   the occupation the pronoun refers to (as the sentence writes it, without its article)
     * @param other    the other occupation in the sentence
     */
    public record Item(String source, int line, boolean proStereotyped, String type, String sentence, String pronoun,
                       String answer, String other) {}

    private WinoBias() {}

    public static List<Item> read(Path file, List<String> occupations) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.getFileName().toString(), file.toString(), occupations);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The built-in sets (written for Cortado, in the published layout): type 1 and 2, pro and anti. */
    public static List<Item> builtIn() {
        List<Item> out = new ArrayList<>();
        for (String f : BUILT_IN_FILES) {
            try (InputStream in = WinoBias.class.getResourceAsStream(BUILT_IN_DIR + f)) {
                if (in == null) throw new IllegalStateException(BUILT_IN_DIR + f + " is missing from the jar");
                out.addAll(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), f, "built-in " + f, OCCUPATIONS));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** @param fileName decides pro/anti ("pro_stereotyped"/"anti_stereotyped") and the type ("type1", "type2") */
    public static List<Item> parse(String text, String fileName, String source, List<String> occupations) {
        String name = fileName.toLowerCase(Locale.ROOT);
        boolean pro = name.contains("pro_stereotyped"), anti = name.contains("anti_stereotyped");
        if (pro == anti)
            throw new IllegalArgumentException(source + ": the file name must say pro_stereotyped or anti_stereotyped,"
                    + " as the published WinoBias files do");
        String type = name.contains("type1") ? "type1" : name.contains("type2") ? "type2" : "untyped";
        List<String> byLength = occupations.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        List<Item> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String where = source + ":" + (i + 1) + ": ";
            Matcher m = LINE.matcher(lines[i].strip());
            if (!m.matches()) throw new IllegalArgumentException(where + "expected a number, then the sentence");
            String body = m.group(1);
            Matcher s = SPAN.matcher(body);
            List<String> spans = new ArrayList<>();
            List<int[]> at = new ArrayList<>();
            while (s.find()) {
                spans.add(s.group(1));
                at.add(new int[] {s.start(), s.end()});
            }
            if (spans.size() != 2) throw new IllegalArgumentException(where + spans.size() + " bracketed spans, expected 2 (the occupation and the pronoun)");
            int p = PRONOUNS.contains(spans.get(1).toLowerCase(Locale.ROOT)) ? 1
                    : PRONOUNS.contains(spans.get(0).toLowerCase(Locale.ROOT)) ? 0 : -1;
            if (p < 0) throw new IllegalArgumentException(where + "neither bracketed span is a pronoun (" + PRONOUNS + ")");
            String referent = spans.get(1 - p);
            String answer = occupationIn(referent, byLength);
            if (answer == null) throw new IllegalArgumentException(where + "'" + referent + "' names no known occupation");
            int[] r = at.get(1 - p);
            String outside = body.substring(0, r[0]) + " " + body.substring(r[1]);
            String other = null;
            for (String o : byLength) {
                if (o.equalsIgnoreCase(answer)) continue;
                if (Pattern.compile("(?i)\\b" + Pattern.quote(o) + "\\b").matcher(outside).find()) { other = o; break; }
            }
            if (other == null) throw new IllegalArgumentException(where + "no second occupation besides '" + answer + "'");
            String sentence = SPAN.matcher(body).replaceAll("$1");
            out.add(new Item(source, i + 1, pro, type, sentence, spans.get(p), answer, other));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": no sentences");
        return out;
    }

    /** The longest listed occupation in {@code phrase} (word-bounded, any case), as listed; null when none. */
    private static String occupationIn(String phrase, List<String> byLength) {
        for (String o : byLength)
            if (Pattern.compile("(?i)\\b" + Pattern.quote(o) + "\\b").matcher(phrase).find()) return o;
        return null;
    }
}
