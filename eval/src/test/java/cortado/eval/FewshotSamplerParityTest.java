package cortado.eval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * FewshotSampler against lm-eval-harness's ContextSampler and FirstNSampler themselves; the goldens were written
 * by lm_eval 0.4.13 (the version is in the file) with tools/golden/eval/make_fewshot_sampler_golden.py. Exact:
 * every drawn document, in order, for every evaluation document of each case.
 */
class FewshotSamplerParityTest {



    @Test
    void drawsEqualLmEvalSamplers() {
        Map<String, Object> doc = Golden.json("fewshot_sampler.json");
        assertThat(doc.get("lm_eval")).isEqualTo("0.4.13");
        List<Map<String, Object>> cases = Golden.cast(doc.get("cases"));
        assertThat(cases).hasSize(7);
        for (Map<String, Object> c : cases) {
            List<Map<String, Object>> pool = Golden.cast(c.get("pool"));
            List<Map<String, Object>> evals = Golden.cast(c.get("evals"));
            List<List<Object>> draws = Golden.cast(c.get("draws"));
            int n = ((Number) c.get("n")).intValue();
            boolean exclude = (Boolean) c.get("exclude");
            FewshotSampler<Map<String, Object>> s = new FewshotSampler<>(
                    FewshotSampler.Kind.parse((String) c.get("sampler")), pool, ((Number) c.get("seed")).longValue());
            for (int e = 0; e < evals.size(); e++) {
                List<Map<String, Object>> want = new ArrayList<>();
                for (Object i : draws.get(e)) want.add(pool.get(((Number) i).intValue()));
                assertThat(s.sample(n, exclude ? evals.get(e) : null))
                        .as("%s seed %s n %d eval %d", c.get("sampler"), c.get("seed"), n, e).isEqualTo(want);
            }
        }
    }

    @Test
    void refusesWhatLmEvalRefuses() {
        FewshotSampler<String> first = new FewshotSampler<>(FewshotSampler.Kind.FIRST_N, List.of("a", "b"), 1234);
        assertThatThrownBy(() -> first.sample(2, "a")).hasMessageContaining("exceed the 1 available");
        assertThat(first.sample(0, null)).isEmpty();
        assertThatThrownBy(() -> FewshotSampler.Kind.parse("balanced")).hasMessageContaining("unknown few-shot sampler");
        assertThatThrownBy(() -> new FewshotSampler<String>(FewshotSampler.Kind.DEFAULT, List.of(), 1).sample(1, null))
                .hasMessageContaining("no documents");
    }
}
