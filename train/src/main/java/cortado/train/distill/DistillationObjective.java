package cortado.train.distill;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.Batches;
import cortado.train.TrainingObjective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link DistillationLoss} as a {@link cortado.train.Trainer} objective: each micro-batch runs the frozen teacher (eval
 * mode, no graph; it may hold quantized weights) and then the student on the same tokens. The step's metrics are the
 * two terms, {@code kl} and {@code ce}, and the teacher's own cross-entropy on the batch ({@code teacher_ce}), averaged over its micro-batches.
 */
public final class DistillationObjective implements TrainingObjective {
    private final CausalLm teacher;
    private final DistillationLoss.Config config;
    private double klSum, ceSum, teacherCeSum;
    private int micro;

    public DistillationObjective(CausalLm teacher, DistillationLoss.Config config) {
        this.teacher = teacher;
        this.config = config;
        teacher.module().eval();
        for (cortado.nn.Parameter p : teacher.module().namedParameters().values()) p.setTrainable(false);
    }

    @Override
    public Tensor loss(CausalLm student, Batches.Batch b) {
        int n = b.batch() * b.seq();
        float[] teacherLogits;
        try (NoGrad g = NoGrad.enter()) {
            Tensor t = b.positions() != null ? teacher.forwardPacked(b.inputs(), b.positions(), b.batch(), b.seq())
                    : teacher.forward(b.inputs(), b.batch(), b.seq());
            teacherLogits = t.toArray();
            teacherCeSum += F.crossEntropy(F.reshape(t, n, teacher.config().vocabSize()), b.targets(),
                    CausalLm.IGNORE_INDEX).item();
        }
        Tensor s = b.positions() != null ? student.forwardPacked(b.inputs(), b.positions(), b.batch(), b.seq())
                : student.forward(b.inputs(), b.batch(), b.seq());
        DistillationLoss.Result r = DistillationLoss.compute(config, F.reshape(s, n, student.config().vocabSize()),
                teacherLogits, b.targets());
        klSum += r.kl();
        ceSum += r.ce();
        micro++;
        return r.loss();
    }

    @Override
    public Map<String, Object> stepMetrics() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (micro == 0) return out;
        out.put("kl", klSum / micro);
        out.put("ce", ceSum / micro);
        out.put("teacher_ce", teacherCeSum / micro);
        klSum = ceSum = teacherCeSum = 0;
        micro = 0;
        return out;
    }
}
