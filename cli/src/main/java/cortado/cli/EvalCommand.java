package cortado.cli;

import cortado.eval.EvalReport;
import cortado.eval.Evaluator;
import cortado.eval.ModelTextScorer;
import cortado.eval.ResultsJson;
import cortado.eval.RunComparison;
import cortado.eval.Task;
import cortado.eval.TaskLoader;
import cortado.eval.bias.BiasProbe;
import cortado.eval.bias.BiasReport;
import cortado.eval.bias.BiasResult;
import cortado.eval.bias.WinoBias;
import cortado.nn.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cortado eval}: multiple-choice tasks scored as lm-eval-harness scores them and bias probes by paired
 * likelihood; results.json and report.md. {@code eval compare}, {@code eval robustness} and {@code eval safety} are
 * its subcommands.
 */
public final class EvalCommand implements Command {
    @Override public String name() { return "eval"; }

    @Override public String summary() { return "evaluate a model (and adapters) on multiple-choice tasks as lm-eval-harness does, with bias, robustness and safety probes"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("compare")) return compare(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length > 0 && argv[0].equals("robustness")) return EvalRobustnessCommand.run(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length > 0 && argv[0].equals("safety")) return EvalSafetyCommand.run(Arrays.copyOfRange(argv, 1, argv.length));
        Args a = new Args("eval", """
                Scores --tasks with the model as lm-eval-harness 0.4's HF backend does: each document's prompt (the
                task's description, --shots examples drawn with Python's random.Random(--seed), then the document),
                one log-likelihood per choice, acc (the likeliest choice is the gold one) and acc_norm (the likeliest
                per character), their means and standard errors. Writes OUT/results.json in lm-eval's shape,
                OUT/report.md and OUT/metrics.png. A task is a built-in name (%s), a task name defined in an
                --include-path directory, or a YAML file in lm-eval's task format: output_type multiple_choice,
                dataset_path json with dataset_kwargs.data_files (local JSON lines; paths relative to the YAML),
                doc_to_text / doc_to_target / doc_to_choice as field names, Jinja templates or lists, description,
                target_delimiter, fewshot_delimiter, num_fewshot, fewshot_split, fewshot_config.sampler, metric_list
                (acc, acc_norm), include. Generation and perplexity tasks are not supported yet.
                Bias probes by paired likelihood run beside the tasks: the built-in sets by name in --tasks (%s,
                small sets written for Cortado) or the published files with --bias: a CrowS-Pairs .csv
                (pct_stereotype, likelihood_diff, per bias type), a StereoSet .json (LMS, SS, ICAT overall,
                per split and per domain), or
                WinoBias *_stereotyped_* files or their directory (acc_pro, acc_anti, gap). Their metrics go into
                results.json beside the tasks', their preference shares with 95%% Wilson intervals into its "bias"
                section, and OUT/bias.png is the bias preference chart.
                `cortado eval compare RUN_A RUN_B` puts two runs side by side, `cortado eval robustness` perturbs
                tasks and attacks them, `cortado eval safety` screens generations (see each one's --help)."""
                .formatted(String.join(", ", TaskLoader.BUILTIN), String.join(", ", new java.util.TreeSet<>(BiasProbe.NAMES))))
                .option("tasks", "A,B,...", "comma-separated tasks: built-in names, names in --include-path, YAML files, or"
                        + " built-in bias probes", null)
                .repeatable("bias", "FILE", "a bias probe file in its published layout (.csv CrowS-Pairs, .json StereoSet,"
                        + " WinoBias files comma-separated or their directory)")
                .option("occupations", "FILE", "WinoBias's occupations, one a line (default: the 40 of its lists)", null)
                .required("out", "DIR", "output directory for results.json, report.md and the charts");
        EvalTaskOptions taskOptions = EvalTaskOptions.declareAndParse(a, argv);
        List<String> names = a.has("tasks") ? Arrays.stream(a.string("tasks").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()
                : List.of();
        if (names.isEmpty() && a.strings("bias").isEmpty()) throw new UsageException("give --tasks or --bias");

        TaskLoader loader = taskOptions.loader();
        List<Task> tasks = new ArrayList<>();
        List<BiasProbe> probes = new ArrayList<>();
        try {
            List<String> occupations = WinoBias.OCCUPATIONS;
            if (a.has("occupations")) occupations = occupations(Path.of(a.string("occupations")));
            for (String n : names) {
                if (BiasProbe.isBuiltIn(n) && !Files.exists(Path.of(n)) && !definedIn(loader, n)) probes.add(BiasProbe.builtIn(n));
                else tasks.add(loader.load(n));
            }
            for (String f : a.strings("bias")) probes.add(BiasProbe.fromFiles(f, occupations));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        EvalModelOptions.Loaded m = EvalModelOptions.load(a);

        long start = System.nanoTime();
        List<Evaluator.TaskResult> results;
        List<BiasResult> bias = new ArrayList<>();
        try {
            results = tasks.isEmpty() ? List.of() : new Evaluator(m.scorer(), m.encoder(), taskOptions.seed()).run(tasks, taskOptions.shots(), taskOptions.limit());
            ModelTextScorer text = new ModelTextScorer(m.encoder(), m.scorer());
            for (BiasProbe p : probes) bias.add(p.score(text));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> config = new LinkedHashMap<>(m.config());
        taskOptions.addTo(config);
        Map<String, Object> json = ResultsJson.of(results, config);
        if (!bias.isEmpty()) {
            @SuppressWarnings("unchecked") Map<String, Object> res = (Map<String, Object>) json.get("results");
            for (BiasResult b : bias) {
                if (res.containsKey(b.probe())) throw new CliException("two results named '" + b.probe() + "': give each probe once");
                res.put(b.probe(), BiasReport.results(b));
            }
            json.put("bias", BiasReport.preferences(bias));
        }
        json.put("date", Instant.now().getEpochSecond());
        json.put("total_evaluation_time_seconds", String.format(Locale.ROOT, "%.2f", seconds));
        Path out = Path.of(a.string("out"));
        EvalReport.write(out, results, bias.isEmpty() ? List.of() : List.of(BiasReport.section(bias)), json);
        for (Evaluator.TaskResult r : results) {
            StringBuilder line = new StringBuilder(r.task().name() + " (" + r.shots() + "-shot, " + r.effective() + " docs):");
            r.metrics().forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s %.4f +- %.4f", k, v.mean(), v.stderr())));
            System.out.println(line);
        }
        for (BiasResult b : bias) {
            StringBuilder line = new StringBuilder(b.probe() + ":");
            b.metrics().entrySet().stream().limit(b.probe().equals("crows_pairs") ? 2 : 3)   // the headline metrics
                    .forEach(e -> line.append(String.format(Locale.ROOT, " %s %.4f", e.getKey(), e.getValue().mean())));
            BiasResult.Preference all = b.preferences().get(0);
            line.append(String.format(Locale.ROOT, "; stereotyped preferred %d/%d [%.3f, %.3f]", all.preferred(), all.n(),
                    all.interval().low(), all.interval().high()));
            System.out.println(line);
        }
        System.out.println("wrote " + out.resolve("results.json") + ", " + out.resolve("report.md") + " ("
                + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
        return Main.OK;
    }

    /** Whether a task of that name is defined in an --include-path directory (it then wins over a built-in probe). */
    private static boolean definedIn(TaskLoader loader, String name) {
        try {
            loader.load(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static List<String> occupations(Path file) {
        try {
            List<String> out = Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
            if (out.size() < 2) throw new IllegalArgumentException(file + ": fewer than two occupations");
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static int compare(String[] argv) throws Exception {
        Args a = new Args("eval compare", """
                Prints a markdown table of two runs (run directories or results.json files, lm-eval's included): for
                every task and metric both hold, A, B, B - A and the standard error of the difference,
                sqrt(se_A^2 + se_B^2); differences larger than it are marked. Use it to re-evaluate after retraining
                (A before, B after).""")
                .positional("RUN_A", "the first run (before)")
                .positional("RUN_B", "the second run (after)")
                .option("out", "FILE", "also write the table to FILE", null);
        a.parse(argv);
        if (a.positionals().size() != 2) throw new UsageException("eval compare takes two runs, got " + a.positionals().size());
        Path ra = Path.of(a.positionals().get(0)), rb = Path.of(a.positionals().get(1));
        String table;
        try {
            List<RunComparison.Row> rows = RunComparison.compare(RunComparison.read(ra), RunComparison.read(rb));
            if (rows.isEmpty()) throw new CliException(ra + " and " + rb + " share no task and metric");
            table = RunComparison.markdown(rows, ra.toString(), rb.toString());
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        System.out.print(table);
        if (a.has("out")) AtomicFiles.write(Path.of(a.string("out")), table.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Main.OK;
    }
}
