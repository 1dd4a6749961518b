package cortado.tests.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The rule that keeps the modules above {@code tensor} device-neutral, as a scan of their Java sources: no import or
 * qualified use of {@code cortado.tensor.cpu} (CPU kernels and the CPU backend), no {@code CpuStorage}, no raw storage
 * ({@code Tensor.data()}, {@code storage().segment()}), and no {@code Tensor.of/zeros/full/scalar}, which create CPU
 * tensors (create through a {@code Backend} instead: an input's {@code backend()}, or {@code Backends.cpu()} for
 * host-side construction). Comments, string literals and text blocks are blanked first, so prose may name these.
 */
final class DeviceNeutralSourceScan {
    /** One broken rule: where, and what to do instead. */
    record Violation(Path file, int line, String code, String why) {
        @Override public String toString() { return file + ":" + line + ": " + why + "\n    " + code.strip(); }
    }

    private record Rule(Pattern pattern, String why) {}

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("\\bimport\\s+(static\\s+)?cortado\\.tensor\\.cpu\\b"),
                    "imports cortado.tensor.cpu (CPU kernels); call the operation through Backend"),
            new Rule(Pattern.compile("(?<!import\\s)(?<!static\\s)\\bcortado\\.tensor\\.cpu\\."),
                    "uses cortado.tensor.cpu (CPU kernels); call the operation through Backend"),
            new Rule(Pattern.compile("\\bCpuStorage\\b"), "touches CpuStorage (raw CPU memory); use Backend.readHost/writeHost"),
            new Rule(Pattern.compile("\\.\\s*data\\s*\\(\\s*\\)"),
                    "reads raw storage with data(); use Backend.readHost/writeHost, toArray() or item()"),
            new Rule(Pattern.compile("\\bstorage\\s*\\(\\s*\\)\\s*\\.\\s*segment\\s*\\("),
                    "reads raw storage bytes; use Backend.readHost/writeHost"),
            new Rule(Pattern.compile("\\bTensor\\s*\\.\\s*(of|zeros|full|scalar)\\s*\\("),
                    "creates a CPU tensor; create it through a Backend (x.backend().zeros(...), Backends.cpu() on the host)"));

    private DeviceNeutralSourceScan() {}

    /** Every violation in the .java files under {@code root}, in file order. */
    static List<Violation> scanTree(Path root) {
        List<Violation> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList())
                out.addAll(scan(f, Files.readString(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The violations in one source text ({@code file} only names it in the result). */
    static List<Violation> scan(Path file, String source) {
        String[] code = codeOnly(source).split("\n", -1);
        String[] original = source.split("\n", -1);
        List<Violation> out = new ArrayList<>();
        for (int i = 0; i < code.length; i++)
            for (Rule r : RULES) {
                Matcher m = r.pattern.matcher(code[i]);
                if (m.find()) out.add(new Violation(file, i + 1, original[i], r.why));
            }
        return out;
    }

    /**
     * The source with comments, string and char literals and text blocks replaced by spaces (newlines kept, so line
     * numbers stay), leaving only code for the rules to match.
     */
    static String codeOnly(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (s.startsWith("//", i)) {
                while (i < n && s.charAt(i) != '\n') { b.append(' '); i++; }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(s, i, end, b);
                i = end;
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                while (end > 0 && s.charAt(end - 1) == '\\') end = s.indexOf("\"\"\"", end + 1);
                end = end < 0 ? n : end + 3;
                blank(s, i, end, b);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                int end = Math.min(n, j + 1);
                blank(s, i, end, b);
                i = end;
            } else {
                b.append(c);
                i++;
            }
        }
        return b.toString();
    }

    private static void blank(String s, int from, int to, StringBuilder b) {
        for (int k = from; k < to; k++) b.append(s.charAt(k) == '\n' ? '\n' : ' ');
    }
}
