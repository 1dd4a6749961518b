package cortado.train.rl;

import cortado.train.Batches;
import java.util.ArrayList;
import java.util.List;

/** A prompt of an RL run: its text (what rewards see) and its token ids (what the policy continues). */
public record Prompt(String text, int[] ids) {
    /**
     * The prompts as {@link cortado.train.Trainer} rows: row i holds the single value i (its index; nothing is scored
     * on it), drawn like any other rows, so the data order, sharding and resumption are the trainer's.
     */
    public static Batches indexRows(int count, int batch, long seed) {
        List<int[]> inputs = new ArrayList<>(count), targets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inputs.add(new int[] {i});
            targets.add(new int[] {cortado.nn.models.CausalLm.IGNORE_INDEX});
        }
        return Batches.given(inputs, targets, batch, 1, seed);
    }

    /** The prompts a batch of {@link #indexRows} names. */
    public static List<Prompt> of(Batches.Batch batch, List<Prompt> all) {
        List<Prompt> out = new ArrayList<>(batch.batch());
        for (int i = 0; i < batch.batch(); i++) out.add(all.get(batch.inputs()[i * batch.seq()]));
        return out;
    }
}
