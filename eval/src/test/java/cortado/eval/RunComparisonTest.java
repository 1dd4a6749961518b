package cortado.eval;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** eval compare's rows, checked against hand computations on two small results.json objects. */
class RunComparisonTest {

    @Test
    void differencesBeyondTheCombinedStderrAreFlagged() {
        Map<String, Object> a = Json.parseObject("""
                {"results": {"t": {"alias": "t", "acc,none": 0.5, "acc_stderr,none": 0.1, "acc_norm,none": 0.5,
                 "acc_norm_stderr,none": 0.1, "x,none": 1.0, "x_stderr,none": "N/A"}, "only_a": {"acc,none": 1.0}}}""");
        Map<String, Object> b = Json.parseObject("""
                {"results": {"t": {"alias": "t", "acc,none": 0.8, "acc_stderr,none": 0.1, "acc_norm,none": 0.6,
                 "acc_norm_stderr,none": 0.1, "x,none": 0.0, "x_stderr,none": "N/A"}}}""");
        List<RunComparison.Row> rows = RunComparison.compare(a, b);
        assertThat(rows).extracting(RunComparison.Row::metric).containsExactly("acc,none", "acc_norm,none", "x,none");
        RunComparison.Row acc = rows.get(0), norm = rows.get(1), x = rows.get(2);
        assertThat(acc.diff()).isCloseTo(0.3, within(1e-12));
        assertThat(acc.stderr()).isCloseTo(Math.sqrt(0.02), within(1e-12));   // 0.1414 < 0.3
        assertThat(acc.exceedsStderr()).isTrue();
        assertThat(norm.exceedsStderr()).as("0.1 < 0.1414").isFalse();
        assertThat(x.exceedsStderr()).as("no stderr: never flagged").isFalse();
        String md = RunComparison.markdown(rows, "before", "after");
        assertThat(md).contains("| t | acc,none | 0.5000 | 0.8000 | **+0.3000** | 0.1414 | yes |")
                .contains("| t | acc_norm,none | 0.5000 | 0.6000 | +0.1000 | 0.1414 | no |")
                .contains("| t | x,none | 1.0000 | 0.0000 | -1.0000 | N/A | no |");
    }
}
