package cortado.eval.safety;

/**
 * One generation to screen.
 *
 * @param id     unique within a run: the line's "id", else {@code SET:LINE}; review labels refer to it
 * @param set    the prompt set it belongs to (the line's "set", else the file's name without extension)
 * @param prompt the prompt text (the line's "prompt", or its "messages" as role: content lines), "" when absent
 */
public record Generation(String id, String set, String prompt, String completion) {}
