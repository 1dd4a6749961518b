package cortado.serve.json;

import cortado.data.tokenizer.AddedToken;
import cortado.data.tokenizer.BpeTokenizer;
import cortado.data.tokenizer.ByteLevel;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The bytes each token adds to a reply's text, which is what a grammar over bytes must check. Byte-level BPE (GPT-2,
 * Llama 3, Qwen2) spells bytes as characters: they map back exactly; SentencePiece-style vocabularies spell a space
 * {@code ▁} and raw bytes {@code <0xNN>}. Special tokens give null (they print nothing in a reply, so a grammar never
 * allows them); so does a token whose bytes cannot be told.
 */
public final class TokenBytes {
    private TokenBytes() {}

    /** The bytes of every id in {@code [0, tokenizer.vocabSize())}, null where none. */
    public static byte[][] of(Tokenizer tokenizer) {
        byte[][] out = new byte[tokenizer.vocabSize()][];
        if (tokenizer instanceof HfTokenizer hf) {
            boolean byteLevel = usesByteLevel(hf.json().get("decoder"));
            for (int id = 0; id < out.length; id++) out[id] = hfToken(hf, id, byteLevel);
            for (AddedToken t : hf.addedTokens())
                if (t.id() >= 0 && t.id() < out.length)
                    out[t.id()] = t.special() ? null : t.content().getBytes(StandardCharsets.UTF_8);
        } else if (tokenizer instanceof BpeTokenizer bpe) {
            for (int id = 0; id < Math.min(out.length, bpe.ordinaryIds()); id++) out[id] = bpe.tokenBytes(id);
        } else {
            for (int id = 0; id < out.length; id++) {
                String s = tokenizer.decode(new int[] {id});
                out[id] = s.indexOf('\uFFFD') >= 0 ? null : s.getBytes(StandardCharsets.UTF_8);
            }
        }
        for (int id = 0; id < out.length; id++) if (out[id] != null && out[id].length == 0) out[id] = null;
        return out;
    }

    private static byte[] hfToken(HfTokenizer hf, int id, boolean byteLevel) {
        String t = hf.token(id);
        if (t == null) return null;
        if (byteLevel) return ByteLevel.decode(t);
        if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                // an ordinary token that happens to look so
            }
        }
        return t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    private static boolean usesByteLevel(Object decoder) {
        if (!(decoder instanceof Map<?, ?> d)) return false;
        if ("ByteLevel".equals(d.get("type"))) return true;
        if (d.get("decoders") instanceof List<?> steps) for (Object s : steps) if (usesByteLevel(s)) return true;
        return false;
    }
}
