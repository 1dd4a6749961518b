package cortado.data.tokenizer;

import cortado.data.normalize.TextNormalizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds added tokens in text as HF's AddedVocabulary does ({@code extract_and_normalize}): first the tokens with
 * {@code normalized = false} in the raw text, then each remaining stretch is normalized and the tokens with
 * {@code normalized = true} are found in it (by their normalized form). Matching is leftmost-longest over all tokens of
 * a pass; a match of a special token when special tokens are off, or of a single-word token touching a word, is
 * skipped (and, as in HF, still hides the tokens overlapping it).
 */
public final class AddedVocabulary {
    /** A stretch of text for the model ({@code id < 0}), or a matched added token; {@code offset} in the original. */
    public record Segment(String text, int offset, int id) {}

    private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    private final List<AddedToken> tokens;
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Matcher raw, normalized;
    private final Map<Integer, String> decodeForm = new HashMap<>();
    private final java.util.Set<String> specialContent = new java.util.HashSet<>();

    public AddedVocabulary(List<AddedToken> tokens, TextNormalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        List<String> rawText = new ArrayList<>(), normText = new ArrayList<>();
        List<AddedToken> rawTok = new ArrayList<>(), normTok = new ArrayList<>();
        for (AddedToken t : tokens) {
            byId.put(t.id(), t);
            if (t.special() && !t.content().isEmpty()) specialContent.add(t.content());
            if (t.content().isEmpty()) continue;
            if (t.normalized()) {
                normTok.add(t);
                String n = normalizer == null ? t.content() : normalizer.normalize(t.content());
                normText.add(n);
                decodeForm.put(t.id(), n);
            } else {
                rawTok.add(t);
                rawText.add(t.content());
            }
        }
        this.raw = new Matcher(rawText, rawTok);
        this.normalized = new Matcher(normText, normTok);
    }

    public List<AddedToken> tokens() { return tokens; }

    public AddedToken byId(int id) { return byId.get(id); }

    public boolean isEmpty() { return tokens.isEmpty(); }

    /** The string decoding uses for an added token: its normalized form when it is normalized (HF's cache). */
    public String decodeForm(int id) {
        String n = decodeForm.get(id);
        return n != null ? n : byId.get(id).content();
    }

    /** True when {@code s} is the content of a special added token (HF skips such strings in decoding). */
    public boolean isSpecialContent(String s) { return specialContent.contains(s); }

    /**
     * Splits {@code text} into segments for the model (normalized with {@code normalizer}) and added tokens.
     * @param specialAsText treat special tokens as text (HF's {@code encode_special_tokens = true})
     */
    public List<Segment> split(String text, TextNormalizer normalizer, boolean specialAsText) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : raw.find(text, 0, specialAsText)) {
            if (s.id() >= 0) { out.add(s); continue; }
            String n = normalizer == null ? s.text() : normalizer.normalize(s.text());
            out.addAll(normalized.find(n, s.offset(), specialAsText));
        }
        return out;
    }

    /** Leftmost-longest matching of a set of strings (HF builds an Aho-Corasick automaton; a trie walk is the same). */
    private static final class Matcher {
        private final Node root = new Node();
        private final boolean empty;
        private final java.util.BitSet first = new java.util.BitSet(1 << 16);  // chars that start some token

        Matcher(List<String> texts, List<AddedToken> toks) {
            empty = texts.isEmpty();
            for (int i = 0; i < texts.size(); i++) {
                String s = texts.get(i);
                if (s.isEmpty()) continue;
                Node n = root;
                for (int k = 0; k < s.length(); k++) n = n.next.computeIfAbsent(s.charAt(k), c -> new Node());
                if (n.token == null) n.token = toks.get(i);
                first.set(s.charAt(0));
            }
        }

        List<Segment> find(String text, int offset, boolean specialAsText) {
            List<Segment> out = new ArrayList<>();
            if (empty || text.isEmpty()) {
                if (!text.isEmpty()) out.add(new Segment(text, offset, -1));
                return out;
            }
            int done = 0;  // HF's start_offset: end of the last accepted split
            int pos = 0;
            while (pos < text.length()) {
                // The longest token starting at pos (leftmost-longest: the first position with any match wins).
                if (!first.get(text.charAt(pos))) { pos++; continue; }
                Node n = root;
                AddedToken best = null;
                int bestEnd = -1;
                for (int k = pos; k < text.length(); k++) {
                    n = n.next.get(text.charAt(k));
                    if (n == null) break;
                    if (n.token != null) { best = n.token; bestEnd = k + 1; }
                }
                if (best == null) { pos++; continue; }
                int start = pos, stop = bestEnd;
                pos = bestEnd;
                if (specialAsText && best.special()) continue;
                if (best.singleWord()) {
                    boolean startOk = start == 0 || !WORD_CHAR.matcher(new String(Character.toChars(text.codePointBefore(start)))).matches();
                    boolean stopOk = stop == text.length() || !WORD_CHAR.matcher(new String(Character.toChars(text.codePointAt(stop)))).matches();
                    if (!startOk || !stopOk) continue;
                }
                if (best.lstrip()) {
                    int s = start;
                    while (s > 0 && isSpace(text.codePointBefore(s))) s -= Character.charCount(text.codePointBefore(s));
                    start = Math.max(s, done);
                }
                if (best.rstrip()) {
                    while (stop < text.length() && isSpace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
                }
                if (done < start) out.add(new Segment(text.substring(done, start), offset + done, -1));
                out.add(new Segment(text.substring(start, stop), offset + start, best.id()));
                done = stop;
                pos = Math.max(pos, stop);
            }
            if (done < text.length()) out.add(new Segment(text.substring(done), offset + done, -1));
            return out;
        }

        private static boolean isSpace(int cp) { return cortado.data.normalize.WhitespaceCleanup.isWhitespace(cp); }
    }

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        AddedToken token;
    }
}
