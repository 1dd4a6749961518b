package cortado.eval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prompts and multiple-choice requests against lm-eval-harness's ConfigurableTask on tiny_mc.jsonl (goldens by
 * tools/golden/eval/make_fewshot_context_golden.py with lm_eval 0.4.13). Exact string equality: a prompt that
 * differs by one space changes every log-likelihood.
 */
class FewshotContextParityTest {



    @Test
    void contextsAndRequestsEqualLmEval() {
        Map<String, Object> golden = Golden.json("fewshot_context.json");
        assertThat(golden.get("lm_eval")).isEqualTo("0.4.13");
        Map<String, Object> cfg = Golden.cast(golden.get("config"));
        MultipleChoiceTask task = MultipleChoiceTask.of((String) cfg.get("task"), (String) cfg.get("doc_to_text"),
                (String) cfg.get("doc_to_target"), (String) cfg.get("doc_to_choice"), (String) cfg.get("description"));
        List<Map<String, Object>> docs = Golden.jsonl("tiny_mc.jsonl");

        List<Map<String, Object>> shots = Golden.cast(golden.get("shots"));
        assertThat(shots).hasSize(3);
        for (Map<String, Object> shot : shots) {
            int k = ((Number) shot.get("num_fewshot")).intValue();
            List<Map<String, Object>> rows = Golden.cast(shot.get("rows"));
            assertThat(rows).hasSize(docs.size());
            // No fewshot_split: lm-eval draws from the test docs without excluding the evaluated one.
            FewshotSampler<Map<String, Object>> sampler = new FewshotSampler<>(FewshotSampler.Kind.DEFAULT, docs, FewshotSampler.DEFAULT_SEED);
            for (int i = 0; i < docs.size(); i++) {
                String ctx = task.context(docs.get(i), sampler.sample(k, null));
                assertThat(ctx).as("%d-shot doc %d", k, i).isEqualTo(rows.get(i).get("context"));
                List<List<String>> args = Golden.cast(rows.get(i).get("arguments"));
                List<MultipleChoiceTask.Request> want = new ArrayList<>();
                for (List<String> a : args) want.add(new MultipleChoiceTask.Request(a.get(0), a.get(1)));
                assertThat(task.requests(ctx, docs.get(i))).as("%d-shot doc %d requests", k, i).isEqualTo(want);
            }
        }
    }
}
