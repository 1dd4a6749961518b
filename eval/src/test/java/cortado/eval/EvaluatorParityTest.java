package cortado.eval;

import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The built-in tasks loaded from their YAML files and run end to end (prompts, few-shot draws, requests, model,
 * scores, aggregation) against lm_eval 0.4.13's simple_evaluate with HFLM at 2 shots (results_2shot.json) and the
 * per-request log-likelihoods HFLM gave for the same prompts (loglikelihood.json); tolerance 1e-4 on
 * log-likelihoods as in {@link LoglikelihoodParityTest}, metrics to 1e-12 (the same 0/1 scores averaged).
 */
class EvaluatorParityTest {

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void builtInTasksAtTwoShotsEqualLmEval() throws Exception {
        Path dir = Path.of(EvaluatorParityTest.class.getResource("/eval/tiny_llama").toURI());
        CausalLm model = HfCheckpoint.load(dir);
        Tokenizer tok = Tokenizers.open(dir);
        RequestEncoder enc = new RequestEncoder(tok, RequestEncoder.prefixTokenId(tok, dir));
        TaskLoader loader = new TaskLoader(List.of());
        List<Task> tasks = List.of(loader.load("tiny_arith"), loader.load("tiny_sentiment"));
        List<Evaluator.TaskResult> results = new Evaluator(new LoglikelihoodScorer(model, 4, 128, true), enc,
                FewshotSampler.DEFAULT_SEED).run(tasks, 2, null);

        Map<String, Map<String, Object>> llByRequest = new LinkedHashMap<>();
        for (Map<String, Object> r : Golden.<List<Map<String, Object>>>cast(Golden.json("loglikelihood.json").get("requests")))
            if (r.get("task") != null && num(r.get("num_fewshot")) == 2)
                llByRequest.put(r.get("task") + "/" + num(r.get("doc_id")) + "/" + num(r.get("idx")), r);
        int checked = 0;
        for (Evaluator.TaskResult t : results) {
            for (Evaluator.DocResult d : t.docs()) {
                for (int j = 0; j < d.logLikelihoods().length; j++) {
                    Map<String, Object> want = llByRequest.get(t.task().name() + "/" + (double) d.docId() + "/" + (double) j);
                    assertThat(want).as("%s doc %d choice %d in the golden", t.task().name(), d.docId(), j).isNotNull();
                    assertThat(d.context()).isEqualTo(want.get("context"));
                    assertThat(d.logLikelihoods()[j]).as("%s doc %d choice %d", t.task().name(), d.docId(), j)
                            .isCloseTo(num(want.get("ll")), within(1e-4));
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(llByRequest.size());

        Map<String, Object> golden = Golden.json("results_2shot.json");
        Map<String, Object> got = ResultsJson.of(results, Map.of());
        for (String section : new String[] {"versions", "n-shot", "higher_is_better", "n-samples", "group_subtasks"})
            assertThat(normalized(got.get(section))).as(section).isEqualTo(normalized(golden.get(section)));
        Map<String, Map<String, Object>> want = Golden.cast(golden.get("results")), have = Golden.cast(got.get("results"));
        assertThat(have.keySet()).isEqualTo(want.keySet());
        for (String task : want.keySet()) {
            assertThat(have.get(task).keySet()).as(task).isEqualTo(want.get(task).keySet());
            for (var e : want.get(task).entrySet()) {
                if (e.getValue() instanceof Number n) assertThat(num(have.get(task).get(e.getKey()))).as(task + " " + e.getKey())
                        .isCloseTo(n.doubleValue(), within(1e-12));
                else assertThat(have.get(task).get(e.getKey())).as(task + " " + e.getKey()).isEqualTo(e.getValue());
            }
            Map<String, Object> wc = Golden.<Map<String, Map<String, Object>>>cast(golden.get("configs")).get(task);
            Map<String, Object> hc = Golden.<Map<String, Map<String, Object>>>cast(got.get("configs")).get(task);
            for (String k : new String[] {"task", "dataset_path", "dataset_kwargs", "test_split", "doc_to_text", "doc_to_target",
                    "doc_to_choice", "description", "target_delimiter", "fewshot_delimiter", "num_fewshot", "metric_list",
                    "output_type", "repeats"})
                assertThat(normalized(hc.get(k))).as(task + " config " + k).isEqualTo(normalized(wc.get(k)));
        }
    }

    /** Numbers as doubles, so 1 and 1.0 compare equal (JSON written by Python and maps built here). */
    private static Object normalized(Object o) {
        if (o instanceof Number n) return n.doubleValue();
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, normalized(v)));
            return out;
        }
        if (o instanceof List<?> l) return l.stream().map(EvaluatorParityTest::normalized).toList();
        return o;
    }
}
