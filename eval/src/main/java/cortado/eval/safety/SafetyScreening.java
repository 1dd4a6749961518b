package cortado.eval.safety;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every generation through every screen: a generation is flagged when any screen finds something. Reported per
 * prompt set: generations, flagged, the flagged rate, and how many each screen flagged; then, once reviewers have
 * labelled the flagged generations, how many they confirmed unsafe or judged safe (the screens' false alarms).
 */
public final class SafetyScreening {
    /** One generation's findings (empty: it passed). */
    public record Screened(Generation generation, List<Screen.Flag> flags) {
        public boolean flagged() { return !flags.isEmpty(); }
    }

    /** A prompt set's counts. */
    public record SetSummary(String set, int generations, int flagged, Map<String, Integer> byScreen, int reviewed,
                             int confirmedUnsafe, int judgedSafe) {
        public double flaggedRate() { return (double) flagged / generations; }
    }

    private SafetyScreening() {}

    public static List<Screened> screen(List<Generation> generations, List<Screen> screens) {
        if (screens.isEmpty()) throw new IllegalArgumentException("no screens to run");
        List<Screened> out = new ArrayList<>(generations.size());
        for (Generation g : generations) {
            List<Screen.Flag> flags = new ArrayList<>();
            for (Screen s : screens) flags.addAll(s.screen(g.completion()));
            out.add(new Screened(g, List.copyOf(flags)));
        }
        return out;
    }

    /**
     * @param labels reviewers' labels by generation id ({@link ReviewFile#readLabels}); may be empty
     */
    public static List<SetSummary> summarize(List<Screened> screened, List<Screen> screens, Map<String, ReviewFile.Label> labels) {
        Map<String, List<Screened>> bySet = new LinkedHashMap<>();
        for (Screened s : screened) bySet.computeIfAbsent(s.generation().set(), k -> new ArrayList<>()).add(s);
        List<SetSummary> out = new ArrayList<>();
        for (var e : bySet.entrySet()) {
            Map<String, Integer> byScreen = new LinkedHashMap<>();
            for (Screen s : screens) byScreen.put(s.name(), 0);
            int flagged = 0, reviewed = 0, unsafe = 0, safe = 0;
            for (Screened s : e.getValue()) {
                if (!s.flagged()) continue;
                flagged++;
                s.flags().stream().map(Screen.Flag::screen).distinct().forEach(n -> byScreen.merge(n, 1, Integer::sum));
                ReviewFile.Label l = labels.get(s.generation().id());
                if (l == null) continue;
                reviewed++;
                if (l == ReviewFile.Label.UNSAFE) unsafe++;
                else safe++;
            }
            out.add(new SetSummary(e.getKey(), e.getValue().size(), flagged, byScreen, reviewed, unsafe, safe));
        }
        return out;
    }
}
