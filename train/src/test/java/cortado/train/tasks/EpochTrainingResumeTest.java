package cortado.train.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.BertInit;
import cortado.train.AdamW;
import cortado.train.Batches;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An epoch run that crashes mid-epoch and is resumed from its last checkpoint ends with the weights of the run that
 * never stopped, bit for bit, and stops early at the same epoch: the checkpoint carries the optimizer, step, data
 * position and {@link EpochState} (the epochs' metrics and early stopping's count). A tiny BERT classifier with
 * dropout (the masks are keyed by step, so they too must line up), 5 steps per epoch, a checkpoint every 2 steps; the
 * watched metric is scripted by epoch (best at epoch 2, then worse), so patience 2 stops after epoch 4, and the crash
 * falls in epoch 4, after epoch 3 has already counted one evaluation without improvement.
 */
class EpochTrainingResumeTest {
    @TempDir Path dir;

    static final int ROWS = 20, BATCH = 4, SEQ = 8, VOCAB = 40, EPOCHS = 6, PATIENCE = 2;
    static final double[] SCRIPT = {0.5, 0.9, 0.8, 0.7, 0.6, 0.5};   // epoch 1..6's "accuracy"
    static final BertConfig CONFIG = new BertConfig(VOCAB, 16, 2, 2, 32, "gelu", SEQ, 2, 1e-12f, 2,
            "BertForSequenceClassification", 0.1f, 0.1f, 0.1f, 0.25f);

    static List<Batches.EncoderRow> rows() {
        SplittableRandom r = new SplittableRandom(5);
        List<Batches.EncoderRow> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int[] ids = new int[SEQ];
            for (int t = 0; t < SEQ; t++) ids[t] = 1 + r.nextInt(VOCAB - 1);
            rows.add(new Batches.EncoderRow(ids, null, null, new int[] {ids[1] % 2}));
        }
        return rows;
    }

    record Run(Trainer trainer, Module model, TaskObjective objective, int perEpoch) {}

    static Run build(Path weights) {
        BertForSequenceClassification model = new BertForSequenceClassification(CONFIG);
        BertInit.apply(model, CONFIG.initializerRange(), 11);
        if (weights != null) BertCheckpoint.loadHead(model, weights);
        Batches batches = Batches.epochs(rows(), BATCH, SEQ, 3);
        int perEpoch = batches.batchesPerEpoch();
        TrainConfig cfg = new TrainConfig(EPOCHS * perEpoch, BATCH, SEQ, 3e-3f, 2, "linear", 0.01f, 1f, 1, 0, 1, 3,
                false, 2);
        TaskObjective objective = new TaskObjective(TaskHead.CLASSIFY, model, 1);
        return new Run(new Trainer(model, cfg, batches, p -> new AdamW(p, 0.01f), objective), model, objective, perEpoch);
    }

    /** The scripted metric of the epoch just finished, with the real loss of the training rows beside it. */
    static Map<String, Double> evaluate(Run r) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", SCRIPT[r.trainer().completedSteps() / r.perEpoch() - 1]);
        m.put("loss", TaskEvaluation.evaluate(r.objective(), new TaskData(TaskHead.CLASSIFY, rows(), null, SEQ, 1, "rows"),
                BATCH).get("loss"));
        return m;
    }

    EpochTraining.Result train(Run r, Path out, EarlyStopping stopping, EpochState resumed, int crashAfter) {
        EpochTraining.Saving saving = new EpochTraining.Saving(out.resolve("checkpoint"),
                (unused, d) -> BertCheckpoint.save(r.model(), CONFIG, CONFIG.architecture(), null, d), null, 2);
        return EpochTraining.run(r.trainer(), EPOCHS, r.perEpoch(), () -> evaluate(r), stopping, null, out.resolve("best"),
                d -> BertCheckpoint.save(r.model(), CONFIG, CONFIG.architecture(), null, d), m -> {
                    if (m.step() == crashAfter) throw new IllegalStateException("crash at step " + m.step());
                }, saving, resumed);
    }

    static Map<String, float[]> weights(Module m) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) w.put(e.getKey(), e.getValue().value().toArray());
        return w;
    }

    @Test
    void crashedMidEpochAndResumedEqualsTheUninterruptedRun() throws Exception {
        Run whole = build(null);
        EpochTraining.Result expected = train(whole, dir.resolve("whole"), new EarlyStopping("accuracy", PATIENCE), null, -1);
        assertThat(expected.stoppedEarly()).isTrue();
        assertThat(expected.epochsRun()).isEqualTo(4);
        assertThat(expected.bestEpoch()).isEqualTo(2);

        Path out = dir.resolve("split");
        Run first = build(null);
        int crash = 3 * first.perEpoch() + 3;   // step 18 of epoch 4; the last checkpoint is at step 16
        assertThatThrownBy(() -> train(first, out, new EarlyStopping("accuracy", PATIENCE), null, crash))
                .hasMessageContaining("crash at step " + crash);

        Path ckpt = out.resolve("checkpoint");
        Run second = build(ckpt);
        EarlyStopping stopping = new EarlyStopping("accuracy", PATIENCE);
        EpochState state = EpochTraining.resume(second.trainer(), ckpt, stopping, second.perEpoch(), EPOCHS);
        assertThat(second.trainer().completedSteps()).isEqualTo(16);
        assertThat(state.perEpoch()).hasSize(3);
        assertThat(stopping.worse()).isEqualTo(1);
        EpochTraining.Result got = train(second, out, stopping, state, -1);

        assertThat(got.epochsRun()).isEqualTo(expected.epochsRun());
        assertThat(got.stoppedEarly()).isTrue();
        assertThat(got.bestEpoch()).isEqualTo(expected.bestEpoch());
        assertThat(got.perEpoch()).as("every epoch's metrics, bit for bit").isEqualTo(expected.perEpoch());
        Map<String, float[]> a = weights(whole.model()), b = weights(second.model());
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) assertThat(b.get(k)).as(k).isEqualTo(a.get(k));
        assertThat(Files.readAllBytes(out.resolve("checkpoint/model.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("whole/checkpoint/model.safetensors")));
        assertThat(Files.readAllBytes(out.resolve("best/model.safetensors")))
                .as("the best epoch's model").isEqualTo(Files.readAllBytes(dir.resolve("whole/best/model.safetensors")));

        // The finished run stopped early: nothing to resume.
        Run third = build(ckpt);
        assertThatThrownBy(() -> EpochTraining.resume(third.trainer(), ckpt, new EarlyStopping("accuracy", PATIENCE),
                third.perEpoch(), EPOCHS)).isInstanceOf(CheckpointException.class).hasMessageContaining("stopped early");
    }

    @Test
    void aCheckpointOfOtherDataOrAnotherMetricIsRefused() {
        Run r = build(null);
        Path out = dir.resolve("one");
        assertThatThrownBy(() -> train(r, out, new EarlyStopping("accuracy", PATIENCE), null, 4))
                .hasMessageContaining("crash");
        Path ckpt = out.resolve("checkpoint");
        Run s = build(ckpt);
        assertThatThrownBy(() -> EpochTraining.resume(s.trainer(), ckpt, new EarlyStopping("accuracy", 0), s.perEpoch() + 1,
                EPOCHS)).isInstanceOf(CheckpointException.class).hasMessageContaining("steps per epoch");
        assertThatThrownBy(() -> EpochTraining.resume(s.trainer(), ckpt, new EarlyStopping("loss", 0), s.perEpoch(),
                EPOCHS)).isInstanceOf(CheckpointException.class).hasMessageContaining("best epoch by accuracy");
    }
}
