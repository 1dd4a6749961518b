package cortado.train.rl;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Built-in rewards of a completion's text, for GRPO and PPO without a reward model (TRL's reward functions take the
 * same place: {@code reward_funcs=[f]} with f(prompts, completions) -> floats). The text is the decoded completion
 * without its end-of-text token.
 * <ul>
 *   <li>{@code length:N}: 1 - |characters - N| / N, so 1 at exactly N characters, 0 at none or at 2N, negative
 *       beyond;</li>
 *   <li>{@code contains:WORD}: 1 if the completion contains WORD (case-sensitive), else 0;</li>
 *   <li>{@code regex:PATTERN}: 1 if java.util.regex's PATTERN is found in the completion, else 0.</li>
 * </ul>
 */
public interface ToyReward {
    /** The reward of {@code completion} given {@code prompt}. */
    double score(String prompt, String completion);

    /** The kinds, for help and error lines. */
    String KINDS = "length:N, contains:WORD, regex:PATTERN";

    /** A reward from its spec ({@link #KINDS}); a bad spec is an IllegalArgumentException naming it. */
    static ToyReward parse(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon), arg = colon < 0 ? "" : spec.substring(colon + 1);
        switch (kind) {
            case "length" -> {
                int n;
                try {
                    n = Integer.parseInt(arg);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("reward '" + spec + "': length:N needs a whole number N of characters");
                }
                if (n < 1) throw new IllegalArgumentException("reward '" + spec + "': N must be >= 1");
                return (p, c) -> 1.0 - Math.abs(c.length() - n) / (double) n;
            }
            case "contains" -> {
                if (arg.isEmpty()) throw new IllegalArgumentException("reward '" + spec + "': contains:WORD needs a word");
                return (p, c) -> c.contains(arg) ? 1.0 : 0.0;
            }
            case "regex" -> {
                Pattern pattern;
                try {
                    pattern = Pattern.compile(arg);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("reward '" + spec + "': bad pattern (" + e.getDescription() + ")");
                }
                return (p, c) -> pattern.matcher(c).find() ? 1.0 : 0.0;
            }
            default -> throw new IllegalArgumentException("unknown reward '" + spec + "' (" + KINDS + ")");
        }
    }
}
