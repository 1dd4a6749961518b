package cortado.train.tasks;

import cortado.autograd.NoGrad;
import cortado.metrics.Classification;
import cortado.nn.models.CausalLm;
import cortado.tensor.StepArena;
import cortado.train.Batches;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task head's metrics on held-out {@link TaskData}, in eval mode without gradients, batches in file order:
 * <ul>
 *   <li>{@code loss}: the head's loss, the mean over batches weighted by their rows;</li>
 *   <li>{@code accuracy}: sklearn's accuracy of the argmax label (classify, choice; tokens: over scored tokens);</li>
 *   <li>{@code f1}: classify and tokens, sklearn's macro F1 over the labels (for tokens over the scored first
 *       sub-tokens: a per-token score, not seqeval's entity F1); qa, the F1 of the predicted span's tokens against
 *       the gold span's (SQuAD's F1 over sub-tokens instead of normalized words);</li>
 *   <li>{@code exact}: qa, the share of predicted spans equal to the gold one.</li>
 * </ul>
 * A qa prediction is the context span (segment 1, at most {@value #MAX_ANSWER_TOKENS} tokens) maximizing
 * start + end logits, as run_qa's postprocessing picks it.
 */
public final class TaskEvaluation {
    /** run_qa's max_answer_length. */
    static final int MAX_ANSWER_TOKENS = 30;

    private TaskEvaluation() {}

    public static Map<String, Double> evaluate(TaskObjective objective, TaskData data, int batch) {
        TaskHead head = objective.head();
        double lossSum = 0;
        List<Integer> gold = new ArrayList<>(), pred = new ArrayList<>();
        double spanF1 = 0, exact = 0;
        boolean wasTraining = objective.model().isTraining();
        objective.model().train(false);
        try (NoGrad g = NoGrad.enter()) {
            for (int from = 0; from < data.size(); from += batch) {
                List<Batches.EncoderRow> rows = data.rows().subList(from, Math.min(data.size(), from + batch));
                try (StepArena arena = StepArena.open()) {
                    Batches.Batch b = Batches.encoderBatch(rows, data.seq());
                    TaskObjective.Output out = objective.forward(b);
                    lossSum += objective.loss(b, out).item() * rows.size();
                    switch (head) {
                        case CLASSIFY, CHOICE -> {
                            int[] y = TaskObjective.slot(b, 0), p = argmaxRows(out.logits().contiguous().toArray(), y.length);
                            for (int r = 0; r < y.length; r++) { gold.add(y[r]); pred.add(p[r]); }
                        }
                        case TOKENS -> {
                            int[] p = argmaxRows(out.logits().contiguous().toArray(), b.batch() * b.seq());
                            for (int i = 0; i < p.length; i++)
                                if (b.targets()[i] != CausalLm.IGNORE_INDEX) { gold.add(b.targets()[i]); pred.add(p[i]); }
                        }
                        case QA -> {
                            float[] s = out.spans().start().contiguous().toArray(), e = out.spans().end().contiguous().toArray();
                            int[] gs = TaskObjective.slot(b, 0), ge = TaskObjective.slot(b, 1);
                            for (int r = 0; r < b.batch(); r++) {
                                int[] span = bestSpan(s, e, b, r);
                                exact += span[0] == gs[r] && span[1] == ge[r] ? 1 : 0;
                                spanF1 += overlapF1(span[0], span[1], gs[r], ge[r]);
                            }
                        }
                    }
                }
            }
        } finally {
            objective.model().train(wasTraining);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", lossSum / data.size());
        if (head == TaskHead.QA) {
            m.put("f1", spanF1 / data.size());
            m.put("exact", exact / data.size());
        } else {
            int[] y = gold.stream().mapToInt(Integer::intValue).toArray(), p = pred.stream().mapToInt(Integer::intValue).toArray();
            m.put("accuracy", Classification.accuracy(y, p));
            if (head != TaskHead.CHOICE) m.put("f1", Classification.prf(y, p, Classification.Average.MACRO, 1).f1());
        }
        return m;
    }

    private static int[] argmaxRows(float[] logits, int rows) {
        int width = logits.length / rows;
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < width; j++) if (logits[r * width + j] > logits[r * width + best]) best = j;
            out[r] = best;
        }
        return out;
    }

    /** The context span (s <= e, segment 1, real tokens) of largest start[s] + end[e]; (0, 0) when there is none. */
    private static int[] bestSpan(float[] start, float[] end, Batches.Batch b, int row) {
        int t = b.seq(), base = row * t;
        int[] best = {0, 0};
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < t; s++) {
            if (!inContext(b, base + s)) continue;
            for (int e = s; e < Math.min(t, s + MAX_ANSWER_TOKENS); e++) {
                if (!inContext(b, base + e)) break;
                double score = start[base + s] + end[base + e];
                if (score > bestScore) {
                    bestScore = score;
                    best = new int[] {s, e};
                }
            }
        }
        return best;
    }

    /** A context token: segment 1, real, and not the pair's final [SEP]. */
    private static boolean inContext(Batches.Batch b, int i) {
        return b.tokenTypes()[i] == 1 && b.attentionMask()[i] == 1 && !isLastReal(b, i);
    }

    /** The pair's final [SEP]: the last real token of its row. */
    private static boolean isLastReal(Batches.Batch b, int i) {
        int t = b.seq();
        return (i + 1) % t == 0 || b.attentionMask()[i + 1] == 0;
    }

    /** F1 of the token ranges [ps, pe] and [gs, ge]. */
    static double overlapF1(int ps, int pe, int gs, int ge) {
        int common = Math.max(0, Math.min(pe, ge) - Math.max(ps, gs) + 1);
        if (common == 0) return 0;
        double precision = (double) common / (pe - ps + 1), recall = (double) common / (ge - gs + 1);
        return 2 * precision * recall / (precision + recall);
    }
}
