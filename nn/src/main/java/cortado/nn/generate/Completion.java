package cortado.nn.generate;

/**
 * One generated sequence.
 *
 * @param tokens       the new tokens, as transformers' {@code generate} returns them after the prompt: an
 *                     end-of-sequence token that stopped the row is the last one
 * @param finishReason {@link FinishReason#STOP} (end-of-sequence token or stop string) or {@link FinishReason#LENGTH}
 * @param text         the decoded completion without that end-of-sequence token and cut before a stop string (as
 *                     OpenAI returns it); null when generation ran without a tokenizer
 */
public record Completion(int[] tokens, FinishReason finishReason, String text) {}
