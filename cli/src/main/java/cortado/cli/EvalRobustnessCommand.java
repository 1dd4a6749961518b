package cortado.cli;

import cortado.eval.EvalReport;
import cortado.eval.Evaluator;
import cortado.eval.ModelTextScorer;
import cortado.eval.ReportSection;
import cortado.eval.Task;
import cortado.eval.TaskLoader;
import cortado.eval.robust.GreedyCharAttack;
import cortado.eval.robust.Perturbation;
import cortado.eval.robust.RobustnessProbe;
import cortado.eval.robust.RobustnessReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code cortado eval robustness}: multiple-choice tasks under seeded perturbations, and a greedy character attack. */
final class EvalRobustnessCommand {
    private EvalRobustnessCommand() {}

    static int run(String[] argv) throws Exception {
        String names = String.join(", ", Perturbation.ALL.stream().map(Perturbation::name).toList());
        Args a = new Args("eval robustness", """
                Scores --tasks (multiple-choice tasks, as `cortado eval` takes them) clean and then under each
                perturbation at each severity: every text field of each document that its choices and answer do not
                use is perturbed (not the template, the choices or the few-shot examples), each letter, space, word or
                template touched with probability SEVERITY, seeded by --perturb-seed (the same draws at every
                severity). Perturbations: %s (typos: a neighbouring key on a QWERTY keyboard; swaps: adjacent letters;
                paraphrase: meaning-preserving rewrites of question frames). Reports each metric under perturbation
                and its drop from clean (clean - perturbed per document, with the paired standard error). With
                --attack-budget N, a greedy search per correctly answered document for the fewest character edits (a
                neighbouring key or a swap of adjacent letters, at most N) that change the model's answer: attack
                success rate and mean edits needed. Writes OUT/results.json (each perturbed cell a task named
                TASK@PERTURBATION:SEVERITY, so `eval compare` lines up two runs), OUT/report.md and a chart per task."""
                .formatted(names))
                .required("tasks", "A,B,...", "comma-separated multiple-choice tasks: built-in names, names in --include-path, or YAML files")
                .required("out", "DIR", "output directory for results.json, report.md and the charts")
                .option("perturbations", "A,B,...", "which perturbations (" + names + ")", String.join(",", Perturbation.ALL.stream().map(Perturbation::name).toList()))
                .option("severities", "S,S,...", "severities in [0, 1]", "0.05,0.1,0.2")
                .option("perturb-seed", "S", "seed of the perturbations' draws", "0")
                .option("attack-budget", "N", "run the greedy character attack with at most N edits per document (0: no attack)", "0")
                .option("attack-limit", "N", "attack only the first N documents of each task (each costs many forward passes)", "20");
        EvalTaskOptions taskOptions = EvalTaskOptions.declareAndParse(a, argv);
        Integer shots = taskOptions.shots(), limit = taskOptions.limit();
        long seed = taskOptions.seed(), perturbSeed = a.longValue("perturb-seed");
        int budget = a.nonNegativeInt("attack-budget"), attackLimit = a.positiveInt("attack-limit");
        List<Perturbation> perturbations = new ArrayList<>();
        double[] severities;
        try {
            for (String n : a.string("perturbations").split(",")) if (!n.isBlank()) perturbations.add(Perturbation.named(n.strip()));
            severities = Arrays.stream(a.string("severities").split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToDouble(Double::parseDouble).toArray();
            for (double s : severities) Perturbation.checkSeverity(s);
        } catch (NumberFormatException e) {
            throw new UsageException("--severities: not a number (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (perturbations.isEmpty() || severities.length == 0) throw new UsageException("--perturbations and --severities must name at least one each");
        TaskLoader loader = taskOptions.loader();
        List<Task> tasks = new ArrayList<>();
        try {
            for (String n : a.string("tasks").split(",")) if (!n.isBlank()) tasks.add(loader.load(n.strip()));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        if (tasks.isEmpty()) throw new UsageException("--tasks names no task");
        EvalModelOptions.Loaded m = EvalModelOptions.load(a);

        long start = System.nanoTime();
        List<RobustnessProbe.Result> results;
        List<GreedyCharAttack.Summary> attacks = new ArrayList<>();
        try {
            results = RobustnessProbe.run(new Evaluator(m.scorer(), m.encoder(), seed), tasks, shots, limit, perturbations, severities, perturbSeed);
            if (budget > 0) {
                GreedyCharAttack attack = new GreedyCharAttack(new ModelTextScorer(m.encoder(), m.scorer()), budget);
                for (Task t : tasks) {
                    int k = shots != null ? shots : t.config().numFewshot() != null ? t.config().numFewshot() : 0;
                    attacks.add(attack.run(t, k, limit == null ? attackLimit : Math.min(limit, attackLimit), seed));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> config = new LinkedHashMap<>(m.config());
        taskOptions.addTo(config);
        config.put("perturbations", perturbations.stream().map(Perturbation::name).toList());
        config.put("severities", Arrays.stream(severities).boxed().toList());
        config.put("perturb_seed", perturbSeed);
        config.put("attack_budget", budget);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("results", RobustnessReport.results(results));
        if (!attacks.isEmpty()) json.put("attack", RobustnessReport.attack(attacks));
        json.put("config", config);
        json.put("date", Instant.now().getEpochSecond());
        json.put("total_evaluation_time_seconds", String.format(Locale.ROOT, "%.2f", seconds));
        ReportSection section = RobustnessReport.section(results, attacks);
        Path out = Path.of(a.string("out"));
        EvalReport.writeFiles(out, json, section.charts(), section.markdown() + "\n" + EvalReport.settings(json));
        for (RobustnessProbe.Result r : results) {
            String metric = r.clean().containsKey("acc") ? "acc" : r.clean().keySet().iterator().next();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: clean %s %.4f;", r.task(), metric, r.clean().get(metric).mean()));
            for (RobustnessProbe.Cell c : r.cells())
                line.append(String.format(Locale.ROOT, " %s@%.2f drop %.4f", c.perturbation(), c.severity(), c.drop().get(metric).mean()));
            System.out.println(line);
        }
        for (GreedyCharAttack.Summary s : attacks)
            System.out.println(String.format(Locale.ROOT, "%s attack (budget %d): %d of %d attacked documents flipped, success rate %.4f, mean edits %.2f",
                    s.task(), s.budget(), s.succeeded(), s.attacked(), s.successRate(), s.meanEdits()));
        System.out.println("wrote " + out.resolve("results.json") + ", " + out.resolve("report.md") + " ("
                + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
        return Main.OK;
    }
}
