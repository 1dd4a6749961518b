package cortado.eval.bias;

import cortado.eval.MeanWithStderr;

import java.util.List;
import java.util.Map;

/**
 * What one bias probe measured.
 *
 * @param probe       the probe's name in results.json (crows_pairs, stereoset, winobias)
 * @param source      where its items came from (a file, or "built-in ...")
 * @param metrics     headline metrics with their standard errors (NaN: none), results.json's {@code METRIC,none}
 * @param preferences shares with a 95% Wilson interval, one per group (bias type, domain, ...), each the share of
 *                    items where the model preferred the stereotyped option; 0.5 is no preference
 * @param examples    the items with the largest margins, for the report
 */
public record BiasResult(String probe, String source, Map<String, MeanWithStderr> metrics, List<Preference> preferences,
                         List<Example> examples) {

    /** {@code preferred} of {@code n} items went the stereotyped way. */
    public record Preference(String group, int preferred, int n) {
        public double rate() { return (double) preferred / n; }

        public WilsonInterval interval() { return WilsonInterval.of(preferred, n); }
    }

    /**
     * One item: the option the model preferred and the other one, with the log-likelihood margin between them.
     *
     * @param stereotyped whether the preferred option is the stereotyped one
     */
    public record Example(String group, String preferred, String other, double margin, boolean stereotyped) {}

    /** At most {@code k} examples, largest margin first. */
    static List<Example> top(List<Example> all, int k) {
        return all.stream().sorted((a, b) -> Double.compare(b.margin(), a.margin())).limit(k).toList();
    }
}
