package cortado.train;

/**
 * The standard Alpaca prompt: Stanford Alpaca's {@code PROMPT_DICT} (tatsu-lab/stanford_alpaca, train.py),
 * {@code prompt_input} when the row has a non-empty {@code input}, {@code prompt_no_input} otherwise. The row's
 * {@code output} is the completion.
 */
public final class AlpacaPrompt {
    private AlpacaPrompt() {}

    static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides"
            + " further context. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    static final String WITHOUT_INPUT = "Below is an instruction that describes a task."
            + " Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\n%s\n\n### Response:\n";

    /** The prompt text for an instruction and an optional input (null or empty: none). */
    public static String format(String instruction, String input) {
        return input == null || input.isEmpty() ? WITHOUT_INPUT.formatted(instruction)
                : WITH_INPUT.formatted(instruction, input);
    }
}
