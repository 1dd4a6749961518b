package cortado.bench;

import cortado.autograd.Autograd;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import java.util.ArrayList;
import java.util.List;

/**
 * The training step the step benchmarks time, run as {@code Trainer.step} runs it (inside a {@link StepArena}, so the
 * step's buffers are pooled): forward and loss, backward, clipped AdamW update. Keeps each recorded step's phases in
 * milliseconds and the last step's arena (its peak).
 */
final class TimedSteps {
    final List<Double> total = new ArrayList<>(), forward = new ArrayList<>(), backward = new ArrayList<>(),
            optimizer = new ArrayList<>();
    private StepArena lastArena;

    /** One step; its times are kept when {@code record} (false for the warmup steps). */
    void step(CausalLm model, int[] inputs, int[] targets, int batch, int seq, AdamW adamw, boolean record) {
        long t0 = System.nanoTime(), t1, t2, t3;
        try (StepArena arena = StepArena.open()) {
            lastArena = arena;
            Tensor loss = model.loss(inputs, targets, batch, seq);
            t1 = System.nanoTime();
            Autograd.backward(loss);
            t2 = System.nanoTime();
            adamw.step(3e-4f, GradClip.measure(adamw.parameterList(), 1.0f).scale());
            adamw.zeroGrad();
        }
        t3 = System.nanoTime();
        if (record) {
            total.add((t3 - t0) / 1e6);
            forward.add((t1 - t0) / 1e6);
            backward.add((t2 - t1) / 1e6);
            optimizer.add((t3 - t2) / 1e6);
        }
    }

    /** The peak of the last step's tensors, MiB (0 before any step). */
    double stepTensorsPeakMib() { return lastArena == null ? 0 : lastArena.peakBytes() / 1048576.0; }
}
