package cortado.cli;

import cortado.eval.FewshotSampler;
import cortado.eval.TaskLoader;
import java.nio.file.Path;
import java.util.Map;

/**
 * The task side that {@code eval} and {@code eval robustness} share: --shots, --limit, --seed (lm-eval's
 * --num_fewshot, --limit, --fewshot_random_seed) and --include-path, declared once and read into one record, with the
 * parsing of the whole command line that both do the same way.
 */
record EvalTaskOptions(Integer shots, Integer limit, long seed, TaskLoader loader) {
    static Args declare(Args a) {
        return a.option("shots", "K", "few-shot examples per prompt (lm-eval's --num_fewshot); default: each task's num_fewshot, else 0", null)
                .option("limit", "N", "score only the first N documents of each task", null)
                .option("seed", "S", "few-shot sampling seed (lm-eval's fewshot_random_seed)", Long.toString(FewshotSampler.DEFAULT_SEED))
                .repeatable("include-path", "DIR", "a directory of task YAML files (searched recursively), lm-eval's --include_path");
    }

    /**
     * Declares these options and {@link EvalModelOptions}', parses {@code argv} (which takes no positionals), checks
     * the model options that need no model, and reads these.
     */
    static EvalTaskOptions declareAndParse(Args a, String[] argv) throws UsageException, HelpRequested {
        declare(a);
        EvalModelOptions.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        EvalModelOptions.check(a);
        return parse(a);
    }

    static EvalTaskOptions parse(Args a) throws UsageException {
        return new EvalTaskOptions(a.has("shots") ? a.nonNegativeInt("shots") : null,
                a.has("limit") ? a.positiveInt("limit") : null, a.longValue("seed"),
                new TaskLoader(a.strings("include-path").stream().map(Path::of).toList()));
    }

    /** results.json's "config" entries for these options, lm-eval's names. */
    void addTo(Map<String, Object> config) {
        config.put("limit", limit);
        config.put("fewshot_seed", seed);
    }
}
