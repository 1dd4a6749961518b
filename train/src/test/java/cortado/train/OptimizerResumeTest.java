package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.Presets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every optimizer kind through Trainer and Checkpoint on the tiny GPT-2: three steps, a checkpoint, a new trainer on
 * the saved model restored from it, three more steps: the losses equal those of six uninterrupted steps exactly
 * (the optimizer state, step counter included, comes back bit for bit). The paged kinds page the tiny model's
 * larger tensors through 4 KB pages under a cap of a few pages, so the state goes through the spill file.
 */
class OptimizerResumeTest {
    @TempDir Path dir;

    static Function<Map<String, Parameter>, Optimizer> factory(OptimizerKind kind, Path spill) {
        return switch (kind) {
            case PAGED_ADAMW, PAGED_ADAMW_8BIT -> p -> new PagedAdamW(p, 0.1f, kind.eightBit(), 30_000, spill, 4096, 1000);
            default -> p -> kind.create(p, 0.1f, 0, spill);
        };
    }

    /** Every kind, the SGD, LAMB, Lion and Adafactor ones included (their state through {@link StateTensors}). */
    @Test
    void resumingContinuesTheSameRunForEveryKind() {
        TokenData data = TrainerTest.tokens(3000);
        TrainConfig cfg = TrainerTest.config(6, 2, 1, false);
        for (OptimizerKind kind : OptimizerKind.values()) {
            Trainer straight = new Trainer(Presets.create("gpt2-tiny", 9), cfg, data, null, factory(kind, dir));
            assertThat(straight.optimizer().kind()).isEqualTo(kind.cliName());
            float[] expected = new float[6];
            for (int i = 0; i < 6; i++) expected[i] = straight.step().loss();
            if (kind.paged()) assertThat(((PagedAdamW) straight.optimizer()).pageIns()).isPositive();
            straight.optimizer().close();

            Trainer first = new Trainer(Presets.create("gpt2-tiny", 9), cfg, data, null, factory(kind, dir));
            for (int i = 0; i < 3; i++) first.step();
            Path ckpt = dir.resolve("ckpt-" + kind.cliName());
            Checkpoint.save(first, ckpt);
            first.optimizer().close();

            Trainer resumed = new Trainer(Checkpoint.loadModel(ckpt), cfg, data, null, factory(kind, dir));
            Checkpoint.restore(resumed, ckpt);
            for (int i = 3; i < 6; i++)
                assertThat(resumed.step().loss()).as("%s step %d", kind.cliName(), i + 1).isEqualTo(expected[i]);
            resumed.optimizer().close();
        }
    }

    @Test
    void aCheckpointOfAnotherOptimizerIsAClearError() {
        TokenData data = TrainerTest.tokens(3000);
        TrainConfig cfg = TrainerTest.config(2, 2, 1, false);
        Trainer t = new Trainer(Presets.create("gpt2-tiny", 9), cfg, data, null);
        t.step();
        Path ckpt = dir.resolve("ckpt");
        Checkpoint.save(t, ckpt);
        Trainer other = new Trainer(Checkpoint.loadModel(ckpt), cfg, data, null, factory(OptimizerKind.ADAMW_8BIT, dir));
        assertThatThrownBy(() -> Checkpoint.restore(other, ckpt)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("optimizer.safetensors: optimizer state of adamw, but this run uses adamw-8bit");
    }

    @Test
    void unknownOptimizerNamesListTheKnownOnes() {
        assertThat(OptimizerKind.parse("paged-adamw-8bit")).isEqualTo(OptimizerKind.PAGED_ADAMW_8BIT);
        assertThatThrownBy(() -> OptimizerKind.parse("adam"))
                .hasMessage("unknown optimizer 'adam' (known: adamw, paged-adamw, adamw-8bit, paged-adamw-8bit, sgd,"
                        + " sgd-nesterov, lamb, lion, adafactor, adafactor-relative)");
    }
}
