package cortado.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * lm-eval-harness's {@code get_rolling_token_windows} with {@code context_len = 1} followed by
 * {@code make_disjoint_window} (lm_eval/utils.py): the first window predicts the first min(maxLength, n) tokens
 * after {@code prefixToken}; each later one predicts the next (up to maxLength) tokens with the preceding tokens as
 * context, maxLength inputs in all, so every token is predicted once with as much context as fits.
 */
final class RollingWindows {
    private RollingWindows() {}

    static List<EncodedRequest> of(int[] tokens, int prefixToken, int maxLength) {
        List<EncodedRequest> out = new ArrayList<>();
        int n = tokens.length;
        if (n == 0) return out;
        int first = Math.min(maxLength, n);
        int[] input = new int[first];
        input[0] = prefixToken;
        System.arraycopy(tokens, 0, input, 1, first - 1);
        out.add(disjoint(input, Arrays.copyOfRange(tokens, 0, first)));
        int predicted = first;
        while (predicted < n) {
            int len = Math.min(n - predicted, maxLength);   // pred_len = max_seq_len - context_len + 1
            int end = predicted + len;
            // token_list[end - max_len - 1 : end - 1]; end > maxLength here, as the first window predicted maxLength
            int[] in = Arrays.copyOfRange(tokens, end - maxLength - 1, end - 1);
            out.add(disjoint(in, Arrays.copyOfRange(tokens, end - len, end)));
            predicted += len;
        }
        return out;
    }

    /** make_disjoint_window: the context without the tokens the prediction covers (all but its first). */
    private static EncodedRequest disjoint(int[] input, int[] pred) {
        return new EncodedRequest(Arrays.copyOf(input, input.length - (pred.length - 1)), pred);
    }
}
