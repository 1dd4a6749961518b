package cortado.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * acc, acc_norm and their means and standard errors against lm-eval-harness's process_results and aggregation
 * (goldens by tools/golden/eval/make_mc_score_golden.py, lm_eval 0.4.13). Per-document scores exact; means and
 * stderrs to 1e-15, the rounding of the same sums in the same order.
 */
class MultipleChoiceScoreParityTest {



    private static double num(Object o) { return ((Number) o).doubleValue(); }

    @Test
    void scoresAndAggregatesEqualLmEval() {
        Map<String, Object> golden = Golden.json("mc_score.json");
        assertThat(golden.get("lm_eval")).isEqualTo("0.4.13");
        MultipleChoiceTask task = MultipleChoiceTask.of("tiny_mc", "Question: {{question}}\nAnswer:", "label", "choices", "");
        List<Map<String, Object>> docs = Golden.jsonl("tiny_mc.jsonl");
        List<Map<String, Object>> rows = Golden.cast(golden.get("rows"));
        assertThat(rows).hasSize(docs.size());
        double[] acc = new double[docs.size()], accNorm = new double[docs.size()];
        for (int i = 0; i < docs.size(); i++) {
            List<Object> l = Golden.cast(rows.get(i).get("lls"));
            double[] lls = l.stream().mapToDouble(MultipleChoiceScoreParityTest::num).toArray();
            MultipleChoiceScore s = MultipleChoiceScore.of(lls, task.choices(docs.get(i)), task.gold(docs.get(i)));
            assertThat(s.acc()).as("doc %d acc", i).isEqualTo(num(rows.get(i).get("acc")));
            assertThat(s.accNorm()).as("doc %d acc_norm", i).isEqualTo(num(rows.get(i).get("acc_norm")));
            acc[i] = s.acc();
            accNorm[i] = s.accNorm();
        }
        // The golden has a document where length normalization changes the answer, so acc_norm is really checked.
        assertThat(acc).isNotEqualTo(accNorm);
        MeanWithStderr a = MeanWithStderr.of(acc), an = MeanWithStderr.of(accNorm);
        assertThat(a.mean()).isCloseTo(num(golden.get("acc")), within(1e-15));
        assertThat(a.stderr()).isCloseTo(num(golden.get("acc_stderr")), within(1e-15));
        assertThat(an.mean()).isCloseTo(num(golden.get("acc_norm")), within(1e-15));
        assertThat(an.stderr()).isCloseTo(num(golden.get("acc_norm_stderr")), within(1e-15));
    }
}
