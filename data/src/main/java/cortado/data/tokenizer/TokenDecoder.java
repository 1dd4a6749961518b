package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * One of HF tokenizers' decoders: a list of token strings to a list of strings ({@code decode_chain}); the decoded
 * text is the concatenation. Each constant mirrors the decoder of the same name in tokenizers/src/decoders/.
 */
@FunctionalInterface
public interface TokenDecoder {
    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) { return String.join("", decodeChain(tokens)); }

    /** Tokens joined with spaces: HF's behaviour when tokenizer.json has no decoder. */
    TokenDecoder NONE = tokens -> List.of(String.join(" ", tokens));

    /** ByteLevel: all tokens' byte-level characters back to bytes, then lossy UTF-8 (one U+FFFD per bad sequence). */
    TokenDecoder BYTE_LEVEL = tokens -> {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String t : tokens) {
            byte[] x = ByteLevel.decode(t);
            b.writeBytes(x != null ? x : t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return List.of(Utf8Lossy.decode(b.toByteArray()));
    };

    /** ByteFallback: runs of {@code <0xXX>} tokens become their UTF-8 text, or one U+FFFD per byte when invalid. */
    TokenDecoder BYTE_FALLBACK = tokens -> {
        List<String> out = new ArrayList<>(tokens.size());
        java.io.ByteArrayOutputStream run = new java.io.ByteArrayOutputStream();
        for (String t : tokens) {
            int b = byteToken(t);
            if (b >= 0) { run.write(b); continue; }
            flushBytes(run, out);
            out.add(t);
        }
        flushBytes(run, out);
        return out;
    };

    /** Fuse: everything into one string. */
    TokenDecoder FUSE = tokens -> List.of(String.join("", tokens));

    private static int byteToken(String t) {
        if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
        int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static void flushBytes(java.io.ByteArrayOutputStream run, List<String> out) {
        if (run.size() == 0) return;
        byte[] b = run.toByteArray();
        run.reset();
        var dec = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
        try {
            out.add(dec.decode(java.nio.ByteBuffer.wrap(b)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < b.length; i++) out.add("\uFFFD");
        }
    }

    /** Strip: up to {@code start} leading and {@code stop} trailing {@code content} characters off each token. */
    static TokenDecoder strip(int content, int start, int stop) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int s = 0, e = cps.length;
                for (int i = 0; i < Math.min(start, cps.length) && cps[i] == content; i++) s = i + 1;
                for (int i = 0; i < stop; i++) {
                    int idx = cps.length - i - 1;
                    if (idx < 0 || cps[idx] != content) break;
                    e = idx;
                }
                out.add(s >= e ? "" : new String(cps, s, e - s));
            }
            return out;
        };
    }

    /** Replace: HF's Replace normalizer applied to each token. */
    static TokenDecoder replace(cortado.data.normalize.TextNormalizer replace) {
        return tokens -> tokens.stream().map(replace::normalize).toList();
    }

    /** Metaspace: the replacement becomes a space, except in the first token (all of its replacements go). */
    static TokenDecoder metaspace(char replacement, boolean prependNever) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i == 0 && !prependNever) out.add(t.replace(String.valueOf(replacement), ""));
                else out.add(t.replace(replacement, ' '));
            }
            return out;
        };
    }

    /** WordPiece: continuation pieces lose the prefix, others gain a leading space; cleanup per token when asked. */
    static TokenDecoder wordPiece(String prefix, boolean cleanup) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
                out.add(cleanup ? WordPieceTokenizer.cleanup(t) : t);
            }
            return out;
        };
    }

    /** BPEDecoder: the end-of-word suffix becomes a space (nothing on the last token). */
    static TokenDecoder bpeSuffix(String suffix) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            return out;
        };
    }

    static TokenDecoder sequence(List<TokenDecoder> steps) {
        return tokens -> {
            List<String> t = tokens;
            for (TokenDecoder d : steps) t = d.decodeChain(t);
            return t;
        };
    }
}
