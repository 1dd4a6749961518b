package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * transformers' schedules (tools/train/make_optimizer_golden.py): the rate LambdaLR gives the optimizer at each step
 * 0 .. total + 2 at peak 1.0, for linear, hf-cosine, constant-with-warmup and inverse-sqrt with warmup 0, 3 and equal
 * to the total, cosine-with-restarts with 1, 3 and 4 cycles and inverse-sqrt with its own timescale.
 */
class LrScheduleParityTest {
    /**
     * Both compute the same double formula (Java's Math.cos/sqrt and Python's libm may differ in the last bit of a
     * double); Cortado then rounds to float. 1e-7 at peak 1 is one float ulp; an off-by-one step or a wrong warmup is
     * 1e-2 or more.
     */
    static final float TOLERANCE = 1e-7f;

    @Test
    void everyScheduleMatchesTransformers() throws IOException {
        List<?> schedules = (List<?>) OptimizerParityTest.golden("/golden/schedules.json").get("schedules");
        assertThat(schedules).hasSize(16);
        for (Object o : schedules) {
            Map<?, ?> s = (Map<?, ?>) o;
            String spec = (String) s.get("spec");
            int warmup = ((Number) s.get("warmup")).intValue(), total = ((Number) s.get("total")).intValue();
            LrSchedule schedule = LrSchedule.named(spec, 1f, warmup, total);
            List<?> lrs = (List<?>) s.get("lrs");
            for (int step = 0; step < lrs.size(); step++)
                assertThat(schedule.lr(step)).as("%s warmup %d total %d step %d", spec, warmup, total, step)
                        .isCloseTo(((Number) lrs.get(step)).floatValue(), within(TOLERANCE));
        }
    }

    @Test
    void thePeakScalesEveryRate() {
        LrSchedule one = LrSchedule.named("hf-cosine", 1f, 3, 12), peak = LrSchedule.named("hf-cosine", 3e-4f, 3, 12);
        for (int step = 0; step < 15; step++)
            assertThat(peak.lr(step)).isCloseTo(3e-4f * one.lr(step), within(1e-10f));
    }

    @Test
    void badNamesAndParametersAreClearErrors() {
        assertThatThrownBy(() -> LrSchedule.named("cosine-restarts", 1f, 0, 10)).hasMessage(
                "unknown schedule 'cosine-restarts' (known: cosine, constant, linear, hf-cosine, cosine-with-restarts,"
                        + " constant-with-warmup, inverse-sqrt)");
        assertThatThrownBy(() -> LrSchedule.named("linear:3", 1f, 0, 10))
                .hasMessageContaining("only cosine-with-restarts and inverse-sqrt take a :N parameter");
        assertThatThrownBy(() -> LrSchedule.named("cosine-with-restarts:x", 1f, 0, 10))
                .hasMessageContaining("'x' is not an integer");
        assertThatThrownBy(() -> LrSchedule.named("inverse-sqrt:0", 1f, 0, 10))
                .hasMessageContaining("must be >= 1");
        assertThatThrownBy(() -> new TrainConfig(2, 2, 16, 1e-2f, 2, "hf_cosine", 0.1f, 1f, 1, 0, 2, 5, false, 0))
                .hasMessageContaining("unknown schedule 'hf_cosine'");
    }
}
