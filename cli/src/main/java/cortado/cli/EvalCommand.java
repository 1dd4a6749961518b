package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.eval.EvalReport;
import cortado.eval.Evaluator;
import cortado.eval.FewshotSampler;
import cortado.eval.LoglikelihoodScorer;
import cortado.eval.RequestEncoder;
import cortado.eval.ResultsJson;
import cortado.eval.RunComparison;
import cortado.eval.Task;
import cortado.eval.TaskLoader;
import cortado.nn.io.AtomicFiles;
import cortado.nn.models.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code cortado eval}: multiple-choice tasks scored as lm-eval-harness scores them; results.json and report.md. */
public final class EvalCommand implements Command {
    @Override public String name() { return "eval"; }

    @Override public String summary() { return "evaluate a model (and adapters) on multiple-choice tasks as lm-eval-harness does"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("compare")) return compare(Arrays.copyOfRange(argv, 1, argv.length));
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
                `cortado eval compare RUN_A RUN_B` puts two runs side by side (see its --help)."""
                .formatted(String.join(", ", TaskLoader.BUILTIN)))
                .required("model", "DIR", "a Hugging Face checkpoint directory (fp32, 16-bit or quantized)")
                .required("tasks", "A,B,...", "comma-separated tasks: built-in names, names in --include-path, or YAML files")
                .required("out", "DIR", "output directory for results.json, report.md and metrics.png")
                .option("shots", "K", "few-shot examples per prompt (lm-eval's --num_fewshot); default: each task's num_fewshot, else 0", null)
                .option("limit", "N", "score only the first N documents of each task", null)
                .option("batch", "N", "rows per forward pass; with shared prefixes, contexts per pass (their choices then run"
                        + " as one batch)", "8")
                .option("seed", "S", "few-shot sampling seed (lm-eval's fewshot_random_seed)", Long.toString(FewshotSampler.DEFAULT_SEED))
                .option("max-length", "T", "longest input; longer prompts lose their start (lm-eval's max_length); default: the model's positions", null)
                .repeatable("include-path", "DIR", "a directory of task YAML files (searched recursively), lm-eval's --include_path")
                .option("tokenizer", "PATH", "tokenizer; default: the checkpoint's own", null)
                .flag("no-shared-prefix", "run every choice with its whole context, as lm-eval does, instead of running"
                        + " a document's context once for all its choices (same results to float rounding)");
        AdapterOption.declare(a);
        DtypeOption.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path spec = Path.of(a.string("model"));
        if (!Files.isDirectory(spec)) throw new CliException(spec + ": no such model directory");
        Integer shots = a.has("shots") ? a.nonNegativeInt("shots") : null;
        Integer limit = a.has("limit") ? a.positiveInt("limit") : null;
        int batch = a.positiveInt("batch");
        long seed = a.longValue("seed");
        List<String> names = Arrays.stream(a.string("tasks").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) throw new UsageException("--tasks names no task");
        List<Path> include = a.strings("include-path").stream().map(Path::of).toList();
        AdapterOption.parse(a);   // usage errors before the model loads

        TaskLoader loader = new TaskLoader(include);
        List<Task> tasks = new ArrayList<>();
        for (String n : names) {
            try {
                tasks.add(loader.load(n));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
        Path dir = PretrainCommand.modelDir(spec);
        CausalLm model = PretrainCommand.loadModel(dir.toString(), 0, DtypeOption.parse(a));
        int positions = model.config().maxPositions();
        int maxLength = a.has("max-length") ? a.positiveInt("max-length") : positions;
        if (maxLength > positions) throw new UsageException("--max-length " + maxLength + " exceeds the model's " + positions + " positions");
        AdapterOption.apply(model, a, System.err);
        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        if (tok == null) throw new CliException(dir + ": the model has no tokenizer; pass --tokenizer");
        int prefix = RequestEncoder.prefixTokenId(tok, dir);
        if (prefix < 0) throw new CliException(dir + ": the tokenizer has no BOS or EOS token to condition an empty context on");

        long start = System.nanoTime();
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, batch, maxLength, !a.bool("no-shared-prefix"));
        List<Evaluator.TaskResult> results;
        try {
            results = new Evaluator(scorer, new RequestEncoder(tok, prefix), seed).run(tasks, shots, limit);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "cortado");
        config.put("model_args", "pretrained=" + dir + AdapterOption.parse(a).entrySet().stream()
                .map(e -> ",adapter=" + e.getKey() + ":" + e.getValue()).reduce("", String::concat) + ",dtype=" + a.string("dtype"));
        config.put("batch_size", batch);
        config.put("device", "cpu");
        config.put("limit", limit);
        config.put("fewshot_seed", seed);
        config.put("max_length", maxLength);
        config.put("shared_prefix", !a.bool("no-shared-prefix"));
        Map<String, Object> json = ResultsJson.of(results, config);
        json.put("date", Instant.now().getEpochSecond());
        json.put("total_evaluation_time_seconds", String.format(Locale.ROOT, "%.2f", seconds));
        Path out = Path.of(a.string("out"));
        EvalReport.write(out, results, json);
        for (Evaluator.TaskResult r : results) {
            StringBuilder line = new StringBuilder(r.task().name() + " (" + r.shots() + "-shot, " + r.effective() + " docs):");
            r.metrics().forEach((m, v) -> line.append(String.format(Locale.ROOT, " %s %.4f +- %.4f", m, v.mean(), v.stderr())));
            System.out.println(line);
        }
        System.out.println("wrote " + out.resolve("results.json") + ", " + out.resolve("report.md") + " ("
                + String.format(Locale.ROOT, "%.1f", seconds) + " s)");
        return Main.OK;
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
