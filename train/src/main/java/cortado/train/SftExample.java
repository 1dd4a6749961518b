package cortado.train;

import cortado.nn.models.CausalLm;

/**
 * One tokenized supervised fine-tuning example as TRL's {@code SFTTrainer} prepares it: {@code inputIds} and
 * {@code labels} of the same length, a label being the token itself where it is scored and
 * {@link CausalLm#IGNORE_INDEX} (-100) where it is not (the prompt, the user's turns). The model shifts them: position
 * i is trained to predict {@code labels[i + 1]}.
 */
public record SftExample(int[] inputIds, int[] labels) {
    public SftExample {
        if (inputIds.length != labels.length)
            throw new IllegalArgumentException(inputIds.length + " input ids and " + labels.length + " labels");
        inputIds = inputIds.clone();
        labels = labels.clone();
    }

    /** A prompt/completion pair scored on its completion alone (TRL's completion_only_loss). */
    public static SftExample of(PromptCompletion e) {
        int[] ids = new int[e.length()], labels = new int[e.length()];
        int p = e.prompt().length;
        System.arraycopy(e.prompt(), 0, ids, 0, p);
        System.arraycopy(e.completion(), 0, ids, p, e.completion().length);
        java.util.Arrays.fill(labels, 0, p, CausalLm.IGNORE_INDEX);
        System.arraycopy(e.completion(), 0, labels, p, e.completion().length);
        return new SftExample(ids, labels);
    }

    public int length() { return inputIds.length; }

    /** Whether any label is scored. */
    public boolean scoresAny() {
        for (int l : labels) if (l != CausalLm.IGNORE_INDEX) return true;
        return false;
    }

    /** The first {@code n} tokens (TRL's truncation_mode "keep_start"). */
    public SftExample keepStart(int n) {
        if (n >= inputIds.length) return this;
        return new SftExample(java.util.Arrays.copyOf(inputIds, n), java.util.Arrays.copyOf(labels, n));
    }
}
