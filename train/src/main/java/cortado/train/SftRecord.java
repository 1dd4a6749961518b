package cortado.train;

import java.util.List;
import java.util.Map;

/**
 * One row of an SFT data file, in the three shapes TRL's {@code SFTTrainer} tokenizes. Alpaca rows become
 * {@link Text}, ShareGPT rows {@link Chat} ({@link SftJsonl} converts them).
 */
public sealed interface SftRecord {
    /** TRL's standard prompt-completion row: two strings, tokenized as text (the tokenizer's own special tokens). */
    record Text(String prompt, String completion) implements SftRecord {}

    /** TRL's conversational prompt-completion row: two lists of messages rendered by the chat template. */
    record ChatPair(List<Map<String, Object>> prompt, List<Map<String, Object>> completion) implements SftRecord {}

    /** TRL's conversational language-modeling row ({@code "messages"}): one conversation. */
    record Chat(List<Map<String, Object>> messages) implements SftRecord {}
}
