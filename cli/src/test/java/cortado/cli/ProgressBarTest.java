package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.train.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    static StepMetrics step(int s, float val) {
        return new StepMetrics(s, 2.5f, 1e-3f, 0.7f, 12_345, 100, val);
    }

    @Test
    void plainLinesEveryNStepsOnValidationAndAtTheEnd() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), false, 5);
        for (int s = 1; s <= 12; s++) bar.onStep(step(s, s == 7 ? 2.25f : Float.NaN), 12);
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(5); // steps 1, 5, 7 (validation), 10, 12 (last)
        assertThat(lines[0]).startsWith("step 1/12  12.3k tok/s  ETA 0:01  loss 2.5000");
        assertThat(lines[2]).startsWith("step 7/12").endsWith("val 2.2500");
        assertThat(lines[4]).startsWith("step 12/12").contains("ETA 0:00");
        assertThat(buf.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
    }

    @Test
    void terminalRedrawsOneLineWithABar() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 1);
        bar.onStep(step(1, Float.NaN), 4);
        bar.onStep(step(2, 2.0f), 4);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("\r[######..................] step 1/4");
        assertThat(out).contains("step 2: val loss 2.0000");
        assertThat(out).contains("\r[############............] step 2/4");
        assertThat(out).doesNotContain("\n[");
    }

    @Test
    void clockAndRateFormats() {
        assertThat(ProgressBar.clock(83)).isEqualTo("1:23");
        assertThat(ProgressBar.clock(3725)).isEqualTo("1:02:05");
        assertThat(ProgressBar.clock(Double.NaN)).isEqualTo("?");
        assertThat(ProgressBar.rate(950)).isEqualTo("950");
        assertThat(ProgressBar.rate(2_500_000)).isEqualTo("2.50M");
    }
}
