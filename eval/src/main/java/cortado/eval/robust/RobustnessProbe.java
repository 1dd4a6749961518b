package cortado.eval.robust;

import cortado.eval.Evaluator;
import cortado.eval.MeanWithStderr;
import cortado.eval.Task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multiple-choice tasks re-scored under perturbations: the clean run, then one run per perturbation and severity
 * with every document's text perturbed ({@link PerturbedDocuments}; choices, answers, template and few-shot
 * examples unchanged), each metric's drop = clean - perturbed per document, its mean with the standard error of
 * that paired difference (the same documents in both runs).
 */
public final class RobustnessProbe {
    /** One perturbation at one severity on one task. */
    public record Cell(String perturbation, double severity, Map<String, MeanWithStderr> metrics,
                       Map<String, MeanWithStderr> drop, List<Changed> changed, int flipped) {}

    /** A document whose pick changed: its clean and perturbed prompt text and picks. */
    public record Changed(int doc, String cleanText, String perturbedText, String cleanPick, String perturbedPick, String gold) {}

    /** One task: the clean metrics, then every cell. */
    public record Result(String task, int documents, Map<String, MeanWithStderr> clean, List<Cell> cells) {}

    private RobustnessProbe() {}

    public static List<Result> run(Evaluator evaluator, List<Task> tasks, Integer shots, Integer limit,
                                   List<Perturbation> perturbations, double[] severities, long seed) {
        List<Evaluator.TaskResult> clean = evaluator.run(tasks, shots, limit);
        List<List<Cell>> cells = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++) cells.add(new ArrayList<>());
        for (Perturbation p : perturbations)
            for (double s : severities) {
                List<Evaluator.TaskResult> perturbed = evaluator.run(tasks, shots, limit, new PerturbedDocuments(p, s, seed));
                for (int t = 0; t < tasks.size(); t++) cells.get(t).add(cell(p.name(), s, clean.get(t), perturbed.get(t)));
            }
        List<Result> out = new ArrayList<>();
        for (int t = 0; t < tasks.size(); t++)
            out.add(new Result(tasks.get(t).name(), clean.get(t).effective(), clean.get(t).metrics(), cells.get(t)));
        return out;
    }

    static Cell cell(String name, double severity, Evaluator.TaskResult clean, Evaluator.TaskResult perturbed) {
        Map<String, MeanWithStderr> drop = new LinkedHashMap<>();
        for (String m : clean.metrics().keySet()) {
            double[] d = new double[clean.docs().size()];
            for (int i = 0; i < d.length; i++) d[i] = value(clean.docs().get(i), m) - value(perturbed.docs().get(i), m);
            drop.put(m, MeanWithStderr.of(d));
        }
        List<Changed> changed = new ArrayList<>();
        int flipped = 0;
        for (int i = 0; i < clean.docs().size(); i++) {
            Evaluator.DocResult a = clean.docs().get(i), b = perturbed.docs().get(i);
            int pa = argmax(a.logLikelihoods()), pb = argmax(b.logLikelihoods());
            if (pa == pb) continue;
            flipped++;
            if (changed.size() < 3)
                changed.add(new Changed(i, a.context(), b.context(), a.choices().get(pa), b.choices().get(pb), a.choices().get(a.gold())));
        }
        return new Cell(name, severity, perturbed.metrics(), drop, changed, flipped);
    }

    private static double value(Evaluator.DocResult d, String metric) {
        return metric.equals("acc") ? d.score().acc() : d.score().accNorm();
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
