package cortado.train.rl;

import cortado.autograd.NoGrad;
import cortado.nn.generate.Completion;
import cortado.nn.models.DecoderForSequenceClassification;
import java.util.List;

/** The score of each sampled response, which PPO adds at its last token: a toy reward of its text or a reward model. */
@FunctionalInterface
public interface RolloutScorer {
    float[] scores(List<Prompt> prompts, List<Completion> completions);

    /** A built-in reward of the completion's text ({@link ToyReward}). */
    static RolloutScorer of(ToyReward reward) {
        return (prompts, completions) -> {
            float[] out = new float[completions.size()];
            for (int i = 0; i < out.length; i++) out[i] = (float) reward.score(prompts.get(i).text(), completions.get(i).text());
            return out;
        };
    }

    /**
     * A reward model (a scalar head, e.g. what {@code cortado reward} trains), frozen, on prompt + response (the
     * end-of-text token included when sampled), read where the model pools (its last non-pad token): TRL's
     * {@code get_reward} on the truncated response.
     */
    static RolloutScorer rewardModel(DecoderForSequenceClassification rm) {
        rm.namedParameters().values().forEach(p -> p.setTrainable(false));
        rm.train(false);
        return (prompts, completions) -> {
            int n = completions.size();
            float[] out = new float[n];
            try (NoGrad g = NoGrad.enter()) {
                if (rm.padTokenId() == null) {   // transformers pools one unpadded row at a time then
                    for (int i = 0; i < n; i++) {
                        int[] row = concat(prompts.get(i).ids(), completions.get(i).tokens());
                        out[i] = rm.forward(row, 1, row.length).item();
                    }
                    return out;
                }
                int seq = 0;
                for (int i = 0; i < n; i++) seq = Math.max(seq, prompts.get(i).ids().length + completions.get(i).tokens().length);
                int[] ids = new int[n * seq];
                java.util.Arrays.fill(ids, rm.padTokenId());
                for (int i = 0; i < n; i++) {
                    int[] row = concat(prompts.get(i).ids(), completions.get(i).tokens());
                    System.arraycopy(row, 0, ids, i * seq, row.length);
                }
                float[] s = rm.forward(ids, n, seq).toArray();
                for (int i = 0; i < n; i++) out[i] = s[i * rm.numLabels()];
            }
            return out;
        };
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
