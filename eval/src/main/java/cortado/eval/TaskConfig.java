package cortado.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of an lm-eval-harness task file (lm_eval/api/task.py TaskConfig) that a {@code multiple_choice} task
 * over local JSON data uses, with lm-eval's defaults. Every refusal names the file and the field.
 *
 * @param dataFiles       split name to data file as written ({@code dataset_kwargs.data_files})
 * @param evalSplit       the split scored: test_split, else validation_split
 * @param fewshotSplit    the few-shot pool: fewshot_split (or fewshot_config.split), else training_split, else
 *                        validation_split, else test_split
 * @param excludeEvalDoc  lm-eval leaves the evaluated document out of its own shots only when the few-shot split is
 *                        named and equals test_split
 * @param numFewshot      the file's num_fewshot, or null
 * @param metrics         acc and/or acc_norm, in the file's order
 * @param version         metadata.version (lm-eval's "versions" entry), or null
 * @param source          the file, for messages and the config's config_source
 */
public record TaskConfig(String name, Map<String, String> dataFiles, String evalSplit, String fewshotSplit,
                         boolean excludeEvalDoc, Object docToText, Object docToTarget, Object docToChoice,
                         String description, String targetDelimiter, String fewshotDelimiter, Integer numFewshot,
                         FewshotSampler.Kind sampler, List<String> metrics, Object version, String source,
                         Map<String, Object> fields) {

    /** The metrics a multiple_choice task computes; lm-eval's defaults when metric_list is absent. */
    static final List<String> MC_METRICS = List.of("acc", "acc_norm");

    /** Fields whose use this harness does not implement yet: refused rather than silently ignored. */
    private static final Set<String> UNSUPPORTED = Set.of("process_docs", "process_results", "filter_list",
            "generation_kwargs", "use_prompt", "doc_to_image", "doc_to_audio", "gen_prefix", "custom_dataset",
            "multiple_input", "multiple_target");

    static TaskConfig from(Map<String, Object> y, String source) {
        for (String k : y.keySet()) {
            if (UNSUPPORTED.contains(k) && y.get(k) != null)
                throw new IllegalArgumentException(source + ": field '" + k + "' is not supported by this harness");
        }
        String name = string(y, "task", source, null);
        if (name == null) throw new IllegalArgumentException(source + ": field 'task' (the task's name) is missing");
        String outputType = string(y, "output_type", source, "generate_until");
        if (!outputType.equals("multiple_choice"))
            throw new IllegalArgumentException(source + ": field 'output_type' is '" + outputType + "'; this harness runs"
                    + " multiple_choice tasks (loglikelihood, generate_until and loglikelihood_rolling tasks are not yet supported)");
        String path = string(y, "dataset_path", source, null);
        if (!"json".equals(path))
            throw new IllegalArgumentException(source + ": field 'dataset_path' is " + (path == null ? "missing" : "'" + path + "'")
                    + "; only local files load (dataset_path: json with dataset_kwargs.data_files); nothing is downloaded");
        Map<String, String> files = dataFiles(y.get("dataset_kwargs"), source);
        String test = string(y, "test_split", source, null), val = string(y, "validation_split", source, null),
                train = string(y, "training_split", source, null), fewshot = string(y, "fewshot_split", source, null);
        Map<String, Object> fsc = map(y.get("fewshot_config"), source, "fewshot_config");
        if (fewshot == null && fsc.get("split") != null) fewshot = string(fsc, "split", source + " (fewshot_config)", null);
        for (String[] s : new String[][] {{"test_split", test}, {"validation_split", val}, {"training_split", train},
                {"fewshot_split", fewshot}}) {
            if (s[1] != null && !files.containsKey(s[1]))
                throw new IllegalArgumentException(source + ": field '" + s[0] + "' names split '" + s[1]
                        + "', which dataset_kwargs.data_files does not list (" + String.join(", ", files.keySet()) + ")");
        }
        String evalSplit = test != null ? test : val;
        if (evalSplit == null)
            throw new IllegalArgumentException(source + ": neither field 'test_split' nor 'validation_split' is set");
        String pool = fewshot != null ? fewshot : train != null ? train : val != null ? val : test;
        FewshotSampler.Kind sampler;
        try {
            sampler = FewshotSampler.Kind.parse(fsc.get("sampler") == null ? "default" : String.valueOf(fsc.get("sampler")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": field 'fewshot_config.sampler': " + e.getMessage());
        }
        for (String k : new String[] {"doc_to_text", "doc_to_target", "doc_to_choice"})
            if (y.get(k) == null) throw new IllegalArgumentException(source + ": field '" + k + "' is missing");
        Object shots = y.get("num_fewshot");
        if (shots != null && !(shots instanceof Long n && n >= 0))
            throw new IllegalArgumentException(source + ": field 'num_fewshot' must be a non-negative integer, got " + shots);
        Object version = y.get("metadata") instanceof Map<?, ?> md ? md.get("version") : null;
        return new TaskConfig(name, files, evalSplit, pool, fewshot != null && fewshot.equals(test),
                y.get("doc_to_text"), y.get("doc_to_target"), y.get("doc_to_choice"),
                string(y, "description", source, ""), string(y, "target_delimiter", source, " "),
                string(y, "fewshot_delimiter", source, "\n\n"), shots == null ? null : ((Long) shots).intValue(),
                sampler, metrics(y.get("metric_list"), source), version, source, y);
    }

    /** The prompt side of this task. */
    public MultipleChoiceTask prompt() {
        try {
            return new MultipleChoiceTask(name, DocField.of(docToText), DocField.of(docToTarget), DocField.of(docToChoice),
                    description, targetDelimiter, fewshotDelimiter);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * The task's entry in results.json's "configs", lm-eval's key order with its defaults filled in for what this
     * harness reads.
     */
    Map<String, Object> resultsConfig(int shots) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("task", name);
        for (String k : new String[] {"tag", "dataset_path", "dataset_name", "dataset_kwargs", "training_split",
                "validation_split", "test_split", "fewshot_split"})
            if (fields.get(k) != null) c.put(k, fields.get(k));
        c.put("doc_to_text", docToText);
        c.put("doc_to_target", docToTarget);
        c.put("doc_to_choice", docToChoice);
        c.put("description", description);
        c.put("target_delimiter", targetDelimiter);
        c.put("fewshot_delimiter", fewshotDelimiter);
        Map<String, Object> fsc = new LinkedHashMap<>();
        fsc.put("sampler", sampler == FewshotSampler.Kind.FIRST_N ? "first_n" : "default");
        fsc.put("split", fields.get("fewshot_split"));
        c.put("fewshot_config", fsc);
        c.put("num_fewshot", shots);
        List<Object> ml = new ArrayList<>();
        for (String m : metrics) ml.add(Map.of("metric", m));
        c.put("metric_list", fields.get("metric_list") != null ? fields.get("metric_list") : ml);   // as the file wrote it
        c.put("output_type", "multiple_choice");
        c.put("repeats", 1);
        Map<String, Object> md = new LinkedHashMap<>();
        if (fields.get("metadata") instanceof Map<?, ?> m) m.forEach((k, v) -> md.put(String.valueOf(k), v));
        md.put("config_source", source);
        c.put("metadata", md);
        return c;
    }

    private static String string(Map<String, Object> y, String key, String source, String dflt) {
        Object v = y.get(key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return String.valueOf(v);
        throw new IllegalArgumentException(source + ": field '" + key + "' must be a string, got " + v);
    }

    private static Map<String, Object> map(Object v, String source, String key) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(source + ": field '" + key + "' must be a mapping");
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(String.valueOf(k), x));
        return out;
    }

    /** data_files: one file (the "train" split, as datasets names it), a list of one, or split -> file. */
    private static Map<String, String> dataFiles(Object kwargs, String source) {
        Map<String, Object> kw = map(kwargs, source, "dataset_kwargs");
        Object df = kw.get("data_files");
        String field = "dataset_kwargs.data_files";
        Map<String, String> out = new LinkedHashMap<>();
        if (df instanceof String s) out.put("train", s);
        else if (df instanceof List<?> l && l.size() == 1 && l.get(0) instanceof String s) out.put("train", s);
        else if (df instanceof Map<?, ?> m && !m.isEmpty()) {
            for (var e : m.entrySet()) {
                Object f = e.getValue();
                if (f instanceof List<?> l && l.size() == 1) f = l.get(0);
                if (!(f instanceof String s))
                    throw new IllegalArgumentException(source + ": field '" + field + "." + e.getKey() + "' must name one file");
                out.put(String.valueOf(e.getKey()), s);
            }
        } else {
            throw new IllegalArgumentException(source + ": field '" + field + "' is "
                    + (df == null ? "missing" : "not a file or a mapping of split to file") + "; data loads from local files only");
        }
        return out;
    }

    private static List<String> metrics(Object v, String source) {
        if (v == null) return MC_METRICS;
        if (!(v instanceof List<?> l) || l.isEmpty())
            throw new IllegalArgumentException(source + ": field 'metric_list' must be a list of {metric: NAME}");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> m) || !(m.get("metric") instanceof String name))
                throw new IllegalArgumentException(source + ": field 'metric_list[" + i + "]' needs 'metric: NAME'");
            if (!MC_METRICS.contains(name))
                throw new IllegalArgumentException(source + ": field 'metric_list[" + i + "].metric' is '" + name
                        + "'; multiple_choice tasks here compute " + String.join(", ", MC_METRICS));
            Object agg = m.get("aggregation");
            if (agg != null && !"mean".equals(agg))
                throw new IllegalArgumentException(source + ": field 'metric_list[" + i + "].aggregation' is '" + agg
                        + "'; only mean is supported");
            out.add(name);
        }
        return out;
    }
}
