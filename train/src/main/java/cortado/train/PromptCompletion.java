package cortado.train;

/**
 * One supervised fine-tuning example: the model reads {@code prompt} then {@code completion}, and only the
 * completion's tokens are scored (a completion-only loss, as TRL's {@code SFTTrainer} with
 * {@code completion_only_loss}: the prompt's labels are -100). {@link Batches#examples} turns a list of them into
 * training rows.
 */
public record PromptCompletion(int[] prompt, int[] completion) {
    public PromptCompletion {
        if (prompt.length == 0) throw new IllegalArgumentException("an example's prompt holds no tokens");
        if (completion.length == 0) throw new IllegalArgumentException("an example's completion holds no tokens");
        prompt = prompt.clone();
        completion = completion.clone();
    }

    /** Tokens of the whole example; a training row reads all but the last. */
    public int length() { return prompt.length + completion.length; }
}
