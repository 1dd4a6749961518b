package cortado.eval;

import cortado.data.json.Json;

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

    /** JSON indented by two spaces a level, as lm-eval writes results.json (scalars through the data module's writer). */
    public static String pretty(Object v) {
        StringBuilder b = new StringBuilder();
        pretty(v, b, "");
        return b.append('\n').toString();
    }

    private static void pretty(Object v, StringBuilder b, String indent) {
        String inner = indent + "  ";
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            b.append("{\n");
            int i = 0;
            for (var e : m.entrySet()) {
                b.append(inner).append(Json.write(String.valueOf(e.getKey()))).append(": ");
                pretty(e.getValue(), b, inner);
                b.append(++i < m.size() ? ",\n" : "\n");
            }
            b.append(indent).append('}');
        } else if (v instanceof List<?> l && !l.isEmpty()) {
            b.append("[\n");
            for (int i = 0; i < l.size(); i++) {
                b.append(inner);
                pretty(l.get(i), b, inner);
                b.append(i + 1 < l.size() ? ",\n" : "\n");
            }
            b.append(indent).append(']');
        } else {
            b.append(Json.write(v));
        }
    }
}
