package cortado.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * results.json in lm-eval-harness's shape (what {@code simple_evaluate} returns and {@code --output_path} writes,
 * 0.4.13, samples left out): "results" per task with {@code METRIC,none} and {@code METRIC_stderr,none} keys
 * ({@code none}: the filter, lm-eval's name for no filter), then "group_subtasks", "configs", "versions", "n-shot",
 * "higher_is_better", "n-samples", and "config" describing the run. A standard error that does not exist (one
 * document) is written "N/A", as lm-eval writes it.
 */
public final class ResultsJson {
    private ResultsJson() {}

    /** @param runConfig the run's settings (model, adapters, batch size, limit, seed, ...), lm-eval's "config" */
    public static Map<String, Object> of(List<Evaluator.TaskResult> results, Map<String, Object> runConfig) {
        Map<String, Object> res = new LinkedHashMap<>(), subtasks = new LinkedHashMap<>(), configs = new LinkedHashMap<>(),
                versions = new LinkedHashMap<>(), shots = new LinkedHashMap<>(), better = new LinkedHashMap<>(),
                samples = new LinkedHashMap<>();
        for (Evaluator.TaskResult r : results) {
            String name = r.task().name();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("alias", name);
            m.put("sample_len", r.effective());
            Map<String, Object> hib = new LinkedHashMap<>();
            for (var e : r.metrics().entrySet()) {
                m.put(e.getKey() + ",none", e.getValue().mean());
                double se = e.getValue().stderr();
                m.put(e.getKey() + "_stderr,none", Double.isNaN(se) ? "N/A" : se);
                hib.put(e.getKey(), true);   // acc and acc_norm: higher is better
            }
            res.put(name, m);
            configs.put(name, r.task().config().resultsConfig(r.shots()));
            versions.put(name, r.task().config().version());
            shots.put(name, r.shots());
            better.put(name, hib);
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("original", r.original());
            n.put("effective", r.effective());
            samples.put(name, n);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", res);
        out.put("group_subtasks", subtasks);
        out.put("configs", configs);
        out.put("versions", versions);
        out.put("n-shot", shots);
        out.put("higher_is_better", better);
        out.put("n-samples", samples);
        out.put("config", runConfig);
        return out;
    }
}
