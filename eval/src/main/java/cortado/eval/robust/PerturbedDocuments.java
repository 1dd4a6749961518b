package cortado.eval.robust;

import cortado.eval.Evaluator;
import cortado.eval.Task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The documents a perturbed prompt is filled from: every text field of the document that the task's choices and
 * answer do not use (a field whose name appears in doc_to_choice or doc_to_target is left alone, so the answer
 * options stay as they are), passed through a perturbation at a severity. The template's own words (the
 * "Question:"/"Answer:" frame) and the few-shot examples stay clean: what is perturbed is what the user asks.
 * Each (document, field) draws from its own generator, seeded from the run's seed, the task and the document's
 * index, so a run is reproducible and the same document sees the same draws at every severity.
 */
public record PerturbedDocuments(Perturbation perturbation, double severity, long seed) implements Evaluator.PromptDocument {

    public PerturbedDocuments {
        Perturbation.checkSeverity(severity);
    }

    @Override
    public Map<String, Object> of(Task task, int index, Map<String, Object> doc) {
        Map<String, Object> out = new LinkedHashMap<>(doc);
        for (String field : perturbable(task, doc))
            out.put(field, perturbation.apply((String) doc.get(field), severity, rng(seed, task.name(), index, field)));
        return out;
    }

    /** The text fields of {@code doc} that the prompt's choices and answer do not name, in name order. */
    public static Set<String> perturbable(Task task, Map<String, Object> doc) {
        Set<String> out = new TreeSet<>();
        String answerSide = String.valueOf(task.config().docToChoice()) + " " + task.config().docToTarget();
        for (var e : doc.entrySet()) {
            if (!(e.getValue() instanceof String)) continue;
            if (Pattern.compile("\\b" + Pattern.quote(e.getKey()) + "\\b").matcher(answerSide).find()) continue;
            out.add(e.getKey());
        }
        return out;
    }

    /** A generator for one document's field: the same stream at every severity and for every perturbation. */
    static Random rng(long seed, String task, int index, String field) {
        long h = seed;
        for (String s : new String[] {task, field}) h = h * 0x9E3779B97F4A7C15L + s.hashCode();
        return new Random(h * 31 + index);
    }
}
