package cortado.eval.bias;

import cortado.eval.TextScorer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A bias probe ready to score: a built-in set by name ({@link #NAMES}) or a user's file in a published layout,
 * recognized by its shape: a {@code .csv} is CrowS-Pairs, a {@code .json} StereoSet, and WinoBias is a directory
 * holding its {@code pro_stereotyped_*} and {@code anti_stereotyped_*} files, or those files named together with
 * commas.
 */
public interface BiasProbe {
    Set<String> NAMES = Set.of("crows_pairs", "stereoset", "winobias");

    /** The probe's name in results.json. */
    String name();

    BiasResult score(TextScorer scorer);

    static boolean isBuiltIn(String name) { return NAMES.contains(name); }

    static BiasProbe builtIn(String name) {
        return switch (name) {
            case "crows_pairs" -> crowsPairs(CrowsPairs.builtIn(), "built-in crows_pairs.csv");
            case "stereoset" -> stereoSet(StereoSet.builtIn(), "built-in stereoset.json");
            case "winobias" -> winoBias(WinoBias.builtIn(), "built-in winobias (" + String.join(", ", WinoBias.BUILT_IN_FILES) + ")");
            default -> throw new IllegalArgumentException("unknown bias probe '" + name + "' (" + String.join(", ", NAMES) + ")");
        };
    }

    /**
     * A user's file(s), by layout.
     *
     * @param occupations WinoBias's occupation list ({@link WinoBias#OCCUPATIONS} unless the caller has its own)
     */
    static BiasProbe fromFiles(String spec, List<String> occupations) {
        List<Path> paths = new ArrayList<>();
        for (String s : spec.split(",")) if (!s.isBlank()) paths.add(Path.of(s.strip()));
        if (paths.size() == 1 && Files.isDirectory(paths.get(0))) {
            Path dir = paths.get(0);
            paths.clear();
            try (var files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().contains("_stereotyped_") && Files.isRegularFile(f))
                        .sorted().forEach(paths::add);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
            }
            if (paths.isEmpty()) throw new IllegalArgumentException(dir + ": no WinoBias files (*_stereotyped_*) in the directory");
        }
        for (Path p : paths) if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + ": no such file");
        String first = paths.get(0).getFileName().toString().toLowerCase(Locale.ROOT);
        if (paths.size() == 1 && first.endsWith(".csv")) return crowsPairs(CrowsPairs.read(paths.get(0)), paths.get(0).toString());
        if (paths.size() == 1 && first.endsWith(".json")) return stereoSet(StereoSet.read(paths.get(0)), paths.get(0).toString());
        if (paths.stream().allMatch(p -> p.getFileName().toString().contains("_stereotyped_"))) {
            List<WinoBias.Item> items = new ArrayList<>();
            for (Path p : paths) items.addAll(WinoBias.read(p, occupations));
            return winoBias(items, String.join(", ", paths.stream().map(Path::toString).toList()));
        }
        throw new IllegalArgumentException(spec + ": not a bias file: expected a CrowS-Pairs .csv, a StereoSet .json, or"
                + " WinoBias *_stereotyped_* files (or their directory)");
    }

    private static BiasProbe crowsPairs(List<CrowsPairs.Pair> pairs, String source) {
        return of("crows_pairs", s -> CrowsPairsProbe.score(pairs, s, source));
    }

    private static BiasProbe stereoSet(List<StereoSet.Example> examples, String source) {
        return of("stereoset", s -> StereoSetProbe.score(examples, s, source));
    }

    private static BiasProbe winoBias(List<WinoBias.Item> items, String source) {
        return of("winobias", s -> WinoBiasProbe.score(items, s, source));
    }

    private static BiasProbe of(String name, java.util.function.Function<TextScorer, BiasResult> run) {
        return new BiasProbe() {
            @Override public String name() { return name; }

            @Override public BiasResult score(TextScorer scorer) { return run.apply(scorer); }
        };
    }
}
