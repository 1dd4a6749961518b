package cortado.cli;

import cortado.data.json.Json;
import cortado.metrics.Bleu;
import cortado.metrics.Chrf;
import cortado.metrics.Rouge;
import cortado.metrics.SegmentTokenizer;
import cortado.metrics.SquadAnswers;
import cortado.metrics.Ter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cortado metric bleu|chrf|chrf++|ter|rouge|f1|em --hyp FILE --ref FILE [--ref FILE ...]}: scores a file of
 * hypotheses (one per line) against one or more reference files (line i of each is a reference of hypothesis i) and
 * prints one JSON object. BLEU, chrF and TER are corpus scores as sacreBLEU computes them; ROUGE is the mean over lines
 * of rouge-score's per-line scores; f1 and em are the SQuAD scripts' means (in percent) of each line's best score over
 * its references.
 */
public final class MetricCommand implements Command {
    private static final List<String> METRICS = List.of("bleu", "chrf", "chrf++", "ter", "rouge", "f1", "em");
    // which metric each metric-specific option belongs to
    private static final Map<String, List<String>> OWNERS = Map.ofEntries(
            Map.entry("tokenize", List.of("bleu")), Map.entry("smooth", List.of("bleu")),
            Map.entry("smooth-value", List.of("bleu")), Map.entry("max-ngram-order", List.of("bleu")),
            Map.entry("effective-order", List.of("bleu")), Map.entry("lowercase", List.of("bleu", "chrf", "chrf++")),
            Map.entry("char-order", List.of("chrf", "chrf++")), Map.entry("word-order", List.of("chrf", "chrf++")),
            Map.entry("beta", List.of("chrf", "chrf++")), Map.entry("whitespace", List.of("chrf", "chrf++")),
            Map.entry("eps-smoothing", List.of("chrf", "chrf++")), Map.entry("normalized", List.of("ter")),
            Map.entry("no-punct", List.of("ter")), Map.entry("asian-support", List.of("ter")),
            Map.entry("case-sensitive", List.of("ter")), Map.entry("rouge-types", List.of("rouge")),
            Map.entry("stemmer", List.of("rouge")), Map.entry("newline", List.of("rouge")),
            Map.entry("squad", List.of("f1", "em")));

    @Override public String name() { return "metric"; }

    @Override public String summary() { return "score hypotheses against references: BLEU, chrF(++), TER, ROUGE, SQuAD F1/EM"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("metric", """
                Scores a hypothesis file against reference files, one segment per line (line i of each --ref is a
                reference of line i of --hyp), and prints one JSON object with the score and its parts.
                bleu, chrf, chrf++, ter: corpus scores exactly as sacreBLEU 2 (scores 0-100).
                rouge: rouge-score's precision/recall/F (0-1) per type, averaged over lines (one --ref).
                f1, em: the SQuAD scripts' token F1 / exact match (0-100), each line's best over its references.""")
                .positional("METRIC", "bleu | chrf | chrf++ | ter | rouge | f1 | em")
                .required("hyp", "FILE", "hypotheses, one per line (UTF-8)")
                .repeatable("ref", "FILE", "references, one per line, as many lines as --hyp")
                .option("tokenize", "NAME", "bleu: 13a | intl | zh | char | none", "13a")
                .option("smooth", "METHOD", "bleu: exp | floor | add-k | none", "exp")
                .option("smooth-value", "X", "bleu: the floor or add-k value (default 0.1 for floor, 1 for add-k)", null)
                .option("max-ngram-order", "N", "bleu: largest n-gram order", "4")
                .flag("effective-order", "bleu: average only over the n-gram orders present (sentence-level use)")
                .flag("lowercase", "bleu, chrf: case-insensitive")
                .option("char-order", "N", "chrf: character n-gram order", "6")
                .option("word-order", "N", "chrf: word n-gram order (default 0; chrf++: 2)", null)
                .option("beta", "N", "chrf: weight of recall against precision", "2")
                .flag("whitespace", "chrf: keep whitespace in character n-grams")
                .flag("eps-smoothing", "chrf: average per-order F scores with epsilon smoothing (chrF++.py, NLTK)")
                .flag("normalized", "ter: tokenize punctuation (Tercom's normalization)")
                .flag("no-punct", "ter: remove punctuation")
                .flag("asian-support", "ter: split CJK characters (with --normalized) or drop CJK punctuation")
                .flag("case-sensitive", "ter: do not lowercase")
                .option("rouge-types", "LIST", "rouge: comma-separated rouge1..rouge9, rougeL, rougeLsum",
                        "rouge1,rouge2,rougeL,rougeLsum")
                .flag("stemmer", "rouge: Porter-stem tokens longer than 3 letters (use_stemmer=True)")
                .option("newline", "TOKEN", "rouge: a token that marks a sentence break inside a line (e.g. '<n>'),"
                        + " for rougeLsum", null)
                .option("squad", "VERSION", "f1, em: the official script whose rules apply: v1.1 | v2.0", "v2.0");
        a.parse(argv);
        List<String> pos = a.positionals();
        if (pos.size() != 1) throw new UsageException("give one METRIC: " + String.join(" | ", METRICS)
                + " (see cortado metric --help)");
        String metric = pos.getFirst();
        if (!METRICS.contains(metric)) throw new UsageException("unknown metric '" + metric + "': one of "
                + String.join(", ", METRICS));
        for (Map.Entry<String, List<String>> e : OWNERS.entrySet())
            if (a.has(e.getKey()) && !e.getValue().contains(metric))
                throw new UsageException("--" + e.getKey() + " is an option of " + String.join("/", e.getValue())
                        + ", not of " + metric);
        List<String> refFiles = a.strings("ref");
        if (refFiles.isEmpty()) throw new UsageException("missing --ref FILE (see cortado metric --help)");
        if (metric.equals("rouge") && refFiles.size() > 1)
            throw new UsageException("rouge takes one --ref (rouge-score scores one target per prediction)");

        Path hypPath = Path.of(a.string("hyp"));
        List<String> hyps = StrictLines.read(hypPath);
        if (hyps.isEmpty()) throw new CliException(hypPath + ": no lines to score");
        List<List<String>> refs = new ArrayList<>();
        for (String f : refFiles) {
            List<String> r = StrictLines.read(Path.of(f));
            if (r.size() != hyps.size()) throw new CliException(f + " has " + r.size() + " lines but " + hypPath
                    + " has " + hyps.size() + " (one reference per hypothesis line)");
            refs.add(r);
        }
        Map<String, Object> out = switch (metric) {
            case "bleu" -> bleu(a, hyps, refs);
            case "chrf", "chrf++" -> chrf(a, metric.equals("chrf++") ? 2 : 0, hyps, refs);
            case "ter" -> ter(a, hyps, refs);
            case "rouge" -> rouge(a, hyps, refs.getFirst());
            default -> squad(a, metric, hyps, refs);
        };
        System.out.println(Json.write(out));
        return Main.OK;
    }

    private static Map<String, Object> bleu(Args a, List<String> hyps, List<List<String>> refs) throws UsageException {
        SegmentTokenizer tok;
        Bleu.Smooth smooth;
        try {
            tok = SegmentTokenizer.named(a.string("tokenize"));
            smooth = Bleu.Smooth.named(a.string("smooth"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        double smoothValue = a.has("smooth-value") ? a.nonNegativeReal("smooth-value") : Double.NaN;
        if (a.has("smooth-value") && smooth != Bleu.Smooth.FLOOR && smooth != Bleu.Smooth.ADD_K)
            throw new UsageException("--smooth-value applies to --smooth floor or add-k");
        Bleu.Options o = new Bleu.Options(tok, a.bool("lowercase"), smooth, smoothValue, a.positiveInt("max-ngram-order"),
                a.bool("effective-order"));
        Bleu.Score s = new Bleu(o).corpus(hyps, refs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "BLEU");
        m.put("score", s.score());
        m.put("counts", numbers(s.counts()));
        m.put("totals", numbers(s.totals()));
        m.put("precisions", numbers(s.precisions()));
        m.put("bp", s.bp());
        m.put("sys_len", s.sysLen());
        m.put("ref_len", s.refLen());
        m.put("ratio", s.ratio());
        m.put("nrefs", refs.size());
        m.put("case", o.lowercase() ? "lc" : "mixed");
        m.put("eff", o.effectiveOrder() ? "yes" : "no");
        m.put("tok", tok.name());
        m.put("smooth", smooth.id + (Double.isNaN(smooth.defaultValue) ? ""
                : String.format(Locale.ROOT, "[%.2f]", Double.isNaN(smoothValue) ? smooth.defaultValue : smoothValue)));
        return m;
    }

    private static Map<String, Object> chrf(Args a, int defaultWordOrder, List<String> hyps, List<List<String>> refs)
            throws UsageException {
        int wordOrder = a.has("word-order") ? a.nonNegativeInt("word-order") : defaultWordOrder;
        int charOrder = a.nonNegativeInt("char-order");
        if (charOrder + wordOrder == 0) throw new UsageException("--char-order and --word-order cannot both be 0");
        Chrf chrf = new Chrf(new Chrf.Options(charOrder, wordOrder, a.positiveInt("beta"), a.bool("lowercase"),
                a.bool("whitespace"), a.bool("eps-smoothing")));
        Chrf.Score s = chrf.corpus(hyps, refs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "chrF" + chrf.options().beta() + "+".repeat(wordOrder));
        m.put("score", s.score());
        m.put("char_order", charOrder);
        m.put("word_order", wordOrder);
        m.put("beta", chrf.options().beta());
        List<Object> orders = new ArrayList<>();
        long[] st = s.statistics();
        for (int i = 0; i < st.length / 3; i++) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("kind", i < charOrder ? "char" : "word");
            o.put("n", i < charOrder ? i + 1 : i - charOrder + 1);
            o.put("hyp", st[3 * i]);
            o.put("ref", st[3 * i + 1]);
            o.put("match", st[3 * i + 2]);
            orders.add(o);
        }
        m.put("ngrams", orders);
        m.put("nrefs", refs.size());
        return m;
    }

    private static Map<String, Object> ter(Args a, List<String> hyps, List<List<String>> refs) {
        Ter.Options o = new Ter.Options(a.bool("normalized"), a.bool("no-punct"), a.bool("asian-support"),
                a.bool("case-sensitive"));
        Ter.Score s = new Ter(o).corpus(hyps, refs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "TER");
        m.put("score", s.score());
        m.put("num_edits", s.numEdits());
        m.put("ref_length", s.refLength());
        m.put("nrefs", refs.size());
        m.put("normalized", o.normalized());
        m.put("no_punct", o.noPunct());
        m.put("asian_support", o.asianSupport());
        m.put("case_sensitive", o.caseSensitive());
        return m;
    }

    private static Map<String, Object> rouge(Args a, List<String> hyps, List<String> refs) throws UsageException {
        List<String> types = Arrays.stream(a.string("rouge-types").split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
        Rouge rouge;
        try {
            rouge = new Rouge(types, a.bool("stemmer"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--rouge-types: " + e.getMessage());
        }
        String newline = a.string("newline");
        double[][] sums = new double[types.size()][3];
        for (int i = 0; i < hyps.size(); i++) {
            String target = refs.get(i), prediction = hyps.get(i);
            if (newline != null) { target = target.replace(newline, "\n"); prediction = prediction.replace(newline, "\n"); }
            Map<String, Rouge.Score> s = rouge.score(target, prediction);
            for (int t = 0; t < types.size(); t++) {
                Rouge.Score v = s.get(types.get(t));
                sums[t][0] += v.precision();
                sums[t][1] += v.recall();
                sums[t][2] += v.fmeasure();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "ROUGE");
        m.put("stemmer", a.bool("stemmer"));
        m.put("lines", hyps.size());
        for (int t = 0; t < types.size(); t++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("precision", sums[t][0] / hyps.size());
            v.put("recall", sums[t][1] / hyps.size());
            v.put("fmeasure", sums[t][2] / hyps.size());
            m.put(types.get(t), v);
        }
        return m;
    }

    private static Map<String, Object> squad(Args a, String metric, List<String> hyps, List<List<String>> refs)
            throws UsageException {
        SquadAnswers.Version v = switch (a.choice("squad", "v1.1", "v2.0")) {
            case "v1.1" -> SquadAnswers.Version.V1_1;
            default -> SquadAnswers.Version.V2_0;
        };
        double sum = 0;
        for (int i = 0; i < hyps.size(); i++) {
            List<String> golds = new ArrayList<>(refs.size());
            for (List<String> r : refs) golds.add(r.get(i));
            sum += metric.equals("f1") ? SquadAnswers.bestF1(hyps.get(i), golds, v) : SquadAnswers.bestExactMatch(hyps.get(i), golds, v);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", metric.equals("f1") ? "F1" : "EM");
        m.put("score", 100.0 * sum / hyps.size());
        m.put("total", hyps.size());
        m.put("nrefs", refs.size());
        m.put("squad", a.string("squad"));
        return m;
    }

    /** Counts print as integers unless add-k smoothing made them fractional. */
    private static List<Object> numbers(double[] values) {
        List<Object> out = new ArrayList<>(values.length);
        for (double d : values) out.add(d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d);
        return out;
    }
}
