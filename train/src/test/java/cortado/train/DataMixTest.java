package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Several sources mixed by weight: rows drawn in proportion, deterministic under the seed, validated per source. */
class DataMixTest {
    /** Tokens {@code from, from+1, ...} cycling through 10 values, so a token says which source it came from. */
    static TokenData source(int from, int n, String name) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = from + i % 10;
        return TokenData.of(ids, name);
    }

    static DataMix mix(double wa, double wb) {
        return new DataMix(List.of(new DataMix.Source("a", source(0, 500, "a"), source(0, 100, "a-val"), wa),
                new DataMix.Source("b", source(100, 300, "b"), source(100, 100, "b-val"), wb)));
    }

    @Test
    void rowsComeFromEachSourceInProportionAndNeverStraddleTwo() {
        Batches b = Batches.mixed(mix(0.7, 0.3), 8, 16, 42);
        long fromA = 0, rows = 0;
        for (int step = 0; step < 300; step++) {
            Batches.Batch batch = b.next();
            for (int r = 0; r < 8; r++) {
                int[] row = Arrays.copyOfRange(batch.inputs(), r * 16, (r + 1) * 16);
                boolean a = row[0] < 100;
                assertThat(Arrays.stream(row).allMatch(t -> (t < 100) == a)).isTrue();
                if (a) fromA++;
                rows++;
            }
        }
        // 2400 rows: the binomial standard deviation of the share is sqrt(0.7 * 0.3 / 2400) = 0.0094; 4 of them
        assertThat((double) fromA / rows).isCloseTo(0.7, within(0.04));
        assertThat(b.rowsPerSource()).containsExactly(fromA, rows - fromA);
    }

    @Test
    void theSameSeedGivesTheSameMixAndAStateResumesIt() {
        Batches x = Batches.mixed(mix(2, 1), 4, 8, 7), y = Batches.mixed(mix(2, 1), 4, 8, 7), z = Batches.mixed(mix(2, 1), 4, 8, 8);
        for (int i = 0; i < 5; i++) assertThat(x.next().inputs()).isEqualTo(y.next().inputs());
        assertThat(x.next().inputs()).isNotEqualTo(z.next().inputs());
        long state = x.state();
        int[] next = x.next().inputs();
        Batches resumed = Batches.mixed(mix(2, 1), 4, 8, 7);
        resumed.restore(state);
        assertThat(resumed.next().inputs()).isEqualTo(next);
    }

    @Test
    void weightsMustBePositiveAndSourcesLongEnough() {
        assertThatThrownBy(() -> mix(0.7, 0)).hasMessageContaining("b: the mixture weight must be a positive number, got 0.0");
        assertThatThrownBy(() -> mix(Double.NaN, 1)).hasMessageContaining("a: the mixture weight must be a positive number");
        DataMix tiny = new DataMix(List.of(new DataMix.Source("a", source(0, 500, "a"), null, 1),
                new DataMix.Source("short", source(100, 5, "short.bin"), null, 1)));
        assertThatThrownBy(() -> Batches.mixed(tiny, 2, 8, 1)).hasMessageContaining("short.bin: holds 5 tokens");
    }

    @Test
    void theTrainerValidatesEachSourceAndLogsRowsPerSource() {
        CausalLm model = Presets.create("gpt2-tiny", 1);
        TrainConfig cfg = new TrainConfig(2, 4, 8, 1e-3f, 0, "constant", 0f, 1f, 2, 1, 3, 5, false, 0);
        DataMix m = mix(3, 1);
        Trainer t = new Trainer(model, cfg, m, null, p -> new AdamW(p, 0f));
        StepMetrics s = t.step();
        Map<String, Object> extra = t.sourceMetrics(s);
        @SuppressWarnings("unchecked") Map<String, Object> rows = (Map<String, Object>) extra.get("rows_per_source");
        assertThat(((Number) rows.get("a")).longValue() + ((Number) rows.get("b")).longValue()).isEqualTo(8);   // 2 x 4 rows
        @SuppressWarnings("unchecked") Map<String, Object> val = (Map<String, Object>) extra.get("val_loss_per_source");
        double va = ((Number) val.get("a")).doubleValue(), vb = ((Number) val.get("b")).doubleValue();
        assertThat((double) s.valLoss()).isCloseTo(0.75 * va + 0.25 * vb, within(1e-5));
        assertThat(va).isNotEqualTo(vb);
        // a single validation file replaces the per-source ones
        Trainer single = new Trainer(Presets.create("gpt2-tiny", 1), cfg, m, source(0, 100, "v"), p -> new AdamW(p, 0f));
        StepMetrics s2 = single.step();
        assertThat(s2.hasValLoss()).isTrue();
        assertThat(single.sourceMetrics(s2)).containsKey("rows_per_source").doesNotContainKey("val_loss_per_source");
        TrainConfig seq = new TrainConfig(2, 4, 8, 1e-3f, 0, "constant", 0f, 1f, 1, 0, 1, 5, true, 0);
        assertThatThrownBy(() -> new Trainer(model, seq, m, null, p -> new AdamW(p, 0f)))
                .hasMessageContaining("a data mix draws random windows");
    }
}
