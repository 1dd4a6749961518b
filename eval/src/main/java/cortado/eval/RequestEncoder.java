package cortado.eval;

import cortado.data.chat.TokenizerConfig;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * lm-eval-harness's tokenization of loglikelihood requests for a causal model (lm_eval/api/model.py
 * {@code loglikelihood} and {@code _encode_pair}, HFLM {@code tok_encode}, 0.4.13):
 * <ul>
 *   <li>a string is encoded as the HF tokenizer's {@code encode(string)}, post-processor specials (BOS) included,
 *       unless it already starts with the prefix token's text;</li>
 *   <li>trailing whitespace of the context moves to the continuation; the continuation's ids are those of
 *       {@code context + continuation} after the context's own ids (so a merge across the boundary counts as
 *       continuation);</li>
 *   <li>an empty context becomes the prefix token (BOS, else EOS), with the continuation encoded without specials
 *       (and its first token taken as context when it already is the prefix token).</li>
 * </ul>
 */
public final class RequestEncoder {
    private final Tokenizer tokenizer;
    private final int prefixTokenId;
    private final String prefixText;

    /** @param prefixTokenId lm-eval's {@code prefix_token_id}: the tokenizer's BOS id, else its EOS id */
    public RequestEncoder(Tokenizer tokenizer, int prefixTokenId) {
        if (prefixTokenId < 0) throw new IllegalArgumentException("the tokenizer has no BOS or EOS token to use as prefix");
        this.tokenizer = tokenizer;
        this.prefixTokenId = prefixTokenId;
        this.prefixText = tokenizer.decode(new int[] {prefixTokenId});
    }

    public int prefixTokenId() { return prefixTokenId; }

    /**
     * HFLM's {@code prefix_token_id} for a model directory: the id of tokenizer_config.json's {@code bos_token}, else
     * of its {@code eos_token}, else the tokenizer's end-of-text token; -1 when there is none.
     */
    public static int prefixTokenId(Tokenizer tokenizer, Path modelDir) {
        if (modelDir != null && tokenizer instanceof HfTokenizer hf
                && Files.isRegularFile(modelDir.resolve("tokenizer_config.json"))) {
            var specials = TokenizerConfig.load(modelDir).specialTokens();
            for (String name : new String[] {"bos_token", "eos_token"}) {
                String t = specials.get(name);
                if (t != null && hf.tokenId(t) >= 0) return hf.tokenId(t);
            }
        }
        return tokenizer.endOfTextId();
    }

    /** HFLM's {@code tok_encode(string)} (add_special_tokens left to the tokenizer). */
    public int[] encode(String s) {
        boolean startsWithPrefix = !prefixText.isEmpty() && s.startsWith(prefixText);
        if (tokenizer instanceof HfTokenizer hf && !startsWithPrefix) return hf.encodeForModel(s);
        return tokenizer.encode(s);
    }

    public EncodedRequest encode(String context, String continuation) {
        if (context.isEmpty()) {
            int[] cont = tokenizer.encode(continuation);
            if (cont.length == 0) throw new IllegalArgumentException("continuation '" + continuation + "' has no tokens");
            if (cont[0] != prefixTokenId) return new EncodedRequest(new int[] {prefixTokenId}, cont);
            return new EncodedRequest(new int[] {cont[0]}, Arrays.copyOfRange(cont, 1, cont.length));
        }
        int end = context.length();
        while (end > 0 && Character.isWhitespace(context.charAt(end - 1))) end--;   // Python's rstrip()
        String ctx = context.substring(0, end);
        String cont = context.substring(end) + continuation;
        int[] whole = encode(ctx + cont), ctxIds = encode(ctx);
        if (whole.length <= ctxIds.length)
            throw new IllegalArgumentException("continuation '" + continuation + "' adds no tokens to its context");
        return new EncodedRequest(ctxIds, Arrays.copyOfRange(whole, ctxIds.length, whole.length));
    }
}
