package cortado.eval.robust;

import cortado.eval.FewshotSampler;
import cortado.eval.MultipleChoiceTask;
import cortado.eval.Task;
import cortado.eval.TaskConfig;
import cortado.eval.TextScorer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A greedy character-level adversarial search on multiple-choice documents (in the manner of DeepWordBug, Gao et
 * al. 2018, and TextAttack's greedy search): starting from a document the model answers correctly, each step tries
 * every single-character edit of the document's text fields ({@link PerturbedDocuments#perturbable}) at a position
 * not edited yet, a neighbouring key on the QWERTY keyboard or a swap of two adjacent letters, scores them all,
 * and keeps the one that most lowers the margin ll(gold) - max ll(other choice) (acc's criterion: the summed
 * log-likelihood), until the model's pick is no longer the gold answer or the budget of edits is spent. Greedy, so
 * the set is not guaranteed minimum; after a success each edit is undone in turn and dropped when the answer stays
 * flipped without it, so no edit in the set is unnecessary. Documents the model already gets wrong are skipped
 * (not attacked), as TextAttack counts them.
 */
public final class GreedyCharAttack {
    /** One edit: at {@code position} of {@code field}, {@code before} became {@code after} (two characters for a swap). */
    public record Edit(String field, int position, String kind, String before, String after) {}

    /**
     * One document's outcome.
     *
     * @param attacked whether the clean document was answered correctly (else it is skipped)
     * @param flipped  whether the search found edits within the budget that change the answer
     */
    public record Outcome(int doc, boolean attacked, boolean flipped, List<Edit> edits, String cleanPrompt,
                          String adversarialPrompt, String gold, String adversarialPick) {}

    /** A task's outcomes. */
    public record Summary(String task, int budget, List<Outcome> outcomes) {
        public int attacked() { return (int) outcomes.stream().filter(Outcome::attacked).count(); }

        public int succeeded() { return (int) outcomes.stream().filter(Outcome::flipped).count(); }

        /** Succeeded over attacked (NaN when nothing was attacked). */
        public double successRate() { return attacked() == 0 ? Double.NaN : (double) succeeded() / attacked(); }

        /** The mean number of edits over the successful attacks (NaN when none succeeded). */
        public double meanEdits() {
            return outcomes.stream().filter(Outcome::flipped).mapToInt(o -> o.edits().size()).average().orElse(Double.NaN);
        }
    }

    private final TextScorer scorer;
    private final int budget;

    /** @param budget the most character edits per document */
    public GreedyCharAttack(TextScorer scorer, int budget) {
        if (budget < 1) throw new IllegalArgumentException("the edit budget must be at least 1, got " + budget);
        this.scorer = scorer;
        this.budget = budget;
    }

    /** Attacks the first {@code limit} documents (null: all), prompts with {@code shots} examples as the Evaluator draws them. */
    public Summary run(Task task, int shots, Integer limit, long fewshotSeed) {
        TaskConfig c = task.config();
        MultipleChoiceTask prompt = c.prompt();
        List<Map<String, Object>> docs = task.evalDocs();
        if (limit != null) docs = docs.subList(0, Math.min(limit, docs.size()));
        FewshotSampler<Map<String, Object>> sampler = new FewshotSampler<>(c.sampler(), task.fewshotDocs(), fewshotSeed);
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            Map<String, Object> doc = docs.get(i);
            List<Map<String, Object>> fewshot = sampler.sample(shots, c.excludeEvalDoc() ? doc : null);
            out.add(attack(task, prompt, i, doc, fewshot));
        }
        return new Summary(task.name(), budget, out);
    }

    private Outcome attack(Task task, MultipleChoiceTask prompt, int index, Map<String, Object> doc,
                           List<Map<String, Object>> fewshot) {
        int gold = prompt.gold(doc);
        List<String> choices = prompt.choices(doc);
        String cleanPrompt = prompt.context(doc, fewshot);
        double[] clean = score(List.of(doc), prompt, doc, fewshot).get(0);
        if (RobustnessProbe.argmax(clean) != gold)
            return new Outcome(index, false, false, List.of(), cleanPrompt, cleanPrompt, choices.get(gold), choices.get(RobustnessProbe.argmax(clean)));
        Map<String, char[]> text = new LinkedHashMap<>();
        for (String f : PerturbedDocuments.perturbable(task, doc)) text.put(f, ((String) doc.get(f)).toCharArray());
        List<Edit> edits = new ArrayList<>();
        Set<String> used = new HashSet<>();   // "field:position" already edited
        boolean flipped = false;
        while (edits.size() < budget && !flipped) {
            List<Edit> candidates = candidates(text, used);
            if (candidates.isEmpty()) break;
            List<Map<String, Object>> variants = new ArrayList<>();
            for (Edit e : candidates) variants.add(document(doc, text, List.of(e)));
            List<double[]> lls = score(variants, prompt, doc, fewshot);
            int best = 0;
            for (int k = 1; k < lls.size(); k++) if (margin(lls.get(k), gold) < margin(lls.get(best), gold)) best = k;
            Edit e = candidates.get(best);
            apply(text, e);
            edits.add(e);
            used.add(e.field() + ":" + e.position());
            if (e.kind().equals("swap")) used.add(e.field() + ":" + (e.position() + 1));
            flipped = RobustnessProbe.argmax(lls.get(best)) != gold;
        }
        if (flipped) edits = prune(doc, text, edits, prompt, fewshot, gold);
        Map<String, Object> adversarial = document(doc, text, List.of());
        double[] last = score(List.of(adversarial), prompt, doc, fewshot).get(0);
        return new Outcome(index, true, flipped, List.copyOf(edits), cleanPrompt, prompt.context(adversarial, fewshot),
                choices.get(gold), choices.get(RobustnessProbe.argmax(last)));
    }

    /** Undoes each edit in turn and keeps it undone while the answer stays flipped. */
    private List<Edit> prune(Map<String, Object> doc, Map<String, char[]> text, List<Edit> edits, MultipleChoiceTask prompt,
                             List<Map<String, Object>> fewshot, int gold) {
        List<Edit> kept = new ArrayList<>(edits);
        for (Edit e : edits) {
            if (kept.size() == 1) break;
            undo(text, e);
            if (RobustnessProbe.argmax(score(List.of(document(doc, text, List.of())), prompt, doc, fewshot).get(0)) != gold) kept.remove(e);
            else apply(text, e);
        }
        return kept;
    }

    /** Every single edit at a position not yet edited: each QWERTY neighbour of a key, and swaps of adjacent letters. */
    static List<Edit> candidates(Map<String, char[]> text, Set<String> used) {
        List<Edit> out = new ArrayList<>();
        for (var f : text.entrySet()) {
            char[] t = f.getValue();
            for (int p = 0; p < t.length; p++) {
                if (used.contains(f.getKey() + ":" + p)) continue;
                for (char n : QwertyKeyboard.neighbours(t[p]))
                    out.add(new Edit(f.getKey(), p, "key", String.valueOf(t[p]), String.valueOf(n)));
                if (p + 1 < t.length && !used.contains(f.getKey() + ":" + (p + 1)) && Character.isLetter(t[p])
                        && Character.isLetter(t[p + 1]) && t[p] != t[p + 1])
                    out.add(new Edit(f.getKey(), p, "swap", "" + t[p] + t[p + 1], "" + t[p + 1] + t[p]));
            }
        }
        return out;
    }

    private static void apply(Map<String, char[]> text, Edit e) { write(text.get(e.field()), e.position(), e.after()); }

    private static void undo(Map<String, char[]> text, Edit e) { write(text.get(e.field()), e.position(), e.before()); }

    private static void write(char[] t, int at, String s) { s.getChars(0, s.length(), t, at); }

    /** The document with the current text, and {@code extra} edits applied on top. */
    private static Map<String, Object> document(Map<String, Object> doc, Map<String, char[]> text, List<Edit> extra) {
        Map<String, Object> d = new LinkedHashMap<>(doc);
        for (var f : text.entrySet()) {
            char[] t = f.getValue().clone();
            for (Edit e : extra) if (e.field().equals(f.getKey())) write(t, e.position(), e.after());
            d.put(f.getKey(), new String(t));
        }
        return d;
    }

    /** Each prompt document's per-choice log-likelihoods, in one scorer call. */
    private List<double[]> score(List<Map<String, Object>> promptDocs, MultipleChoiceTask prompt, Map<String, Object> doc,
                                 List<Map<String, Object>> fewshot) {
        List<MultipleChoiceTask.Request> requests = new ArrayList<>();
        int n = prompt.choices(doc).size();
        for (Map<String, Object> d : promptDocs) requests.addAll(prompt.requests(prompt.context(d, fewshot), doc));
        List<TextScorer.Scored> s = scorer.score(requests);
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < promptDocs.size(); i++) {
            double[] ll = new double[n];
            for (int j = 0; j < n; j++) ll[j] = s.get(i * n + j).logLikelihood();
            out.add(ll);
        }
        return out;
    }

    /** ll(gold) minus the best other choice's: negative once another choice wins. */
    static double margin(double[] ll, int gold) {
        double other = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < ll.length; j++) if (j != gold) other = Math.max(other, ll[j]);
        return ll[gold] - other;
    }
}
