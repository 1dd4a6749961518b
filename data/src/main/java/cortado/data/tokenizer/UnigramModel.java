package cortado.data.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HF's Unigram model (Kudo 2018; SentencePiece): the segmentation of a piece with the highest total score by Viterbi
 * over every vocabulary entry that matches at each character position; a character no entry starts with costs the
 * lowest score minus 10 as the unknown token, and adjacent unknowns fuse. An unknown stretch becomes {@code <0xXX>}
 * byte tokens with {@code byte_fallback}. Mirrors {@code Unigram::encode_optimized} (scores summed in double, the first
 * best path kept on ties) in tokenizers/src/models/unigram/model.rs.
 */
public final class UnigramModel implements SubwordModel {
    private static final double UNK_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Node root = new Node();
    private final int unkId;
    private final boolean byteFallback;
    private final double minScore;
    private final String file;  // for the one error encoding can hit

    private static final class Node {
        final Map<Character, Node> next = new HashMap<>(4);
        int id = -1;
    }

    public UnigramModel(String file, List<String> pieces, double[] scores, int unkId, boolean byteFallback) {
        this.file = file;
        this.pieces = pieces.toArray(new String[0]);
        this.scores = scores;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < this.pieces.length; i++) {
            ids.put(this.pieces[i], i);
            min = Math.min(min, scores[i]);
            Node n = root;
            String p = this.pieces[i];
            for (int k = 0; k < p.length(); k++) n = n.next.computeIfAbsent(p.charAt(k), c -> new Node());
            n.id = i;  // a later duplicate wins, as in HF's token map
        }
        this.minScore = min;
    }

    @Override
    public void tokenize(String s, IntList out) {
        if (s.isEmpty()) return;
        int n = s.length();
        double[] best = new double[n + 1];
        int[] from = new int[n + 1], id = new int[n + 1];
        java.util.Arrays.fill(from, -1);
        double unkScore = minScore - UNK_PENALTY;
        for (int at = 0; at < n; ) {
            int len = Character.charCount(s.codePointAt(at));
            double here = best[at];
            boolean single = false;
            Node node = root;
            for (int k = at; k < n; k++) {
                node = node.next.get(s.charAt(k));
                if (node == null) break;
                if (node.id < 0) continue;
                int end = k + 1;
                if (end < n && Character.isLowSurrogate(s.charAt(end)) && Character.isHighSurrogate(s.charAt(k))) continue;
                double cand = scores[node.id] + here;
                if (from[end] < 0 || cand > best[end]) { best[end] = cand; from[end] = at; id[end] = node.id; }
                if (end - at == len) single = true;
            }
            if (!single) {
                if (unkId < 0) throw TokenizerException.in(file, "model.unk_id is null and the text has a character no piece covers");
                int end = at + len;
                double cand = unkScore + here;
                if (from[end] < 0 || cand > best[end]) { best[end] = cand; from[end] = at; id[end] = unkId; }
            }
            at += len;
        }
        // Backtrack, fusing adjacent unknowns into one string.
        List<String> strs = new ArrayList<>();
        List<Boolean> unk = new ArrayList<>();
        int end = n;
        StringBuilder pending = null;
        while (end > 0) {
            int start = from[end];
            if (id[end] == unkId) {
                pending = pending == null ? new StringBuilder(s.substring(start, end)) : pending.insert(0, s.substring(start, end));
            } else {
                if (pending != null) { strs.add(pending.toString()); unk.add(true); pending = null; }
                strs.add(s.substring(start, end));
                unk.add(false);
            }
            end = start;
        }
        if (pending != null) { strs.add(pending.toString()); unk.add(true); }
        for (int i = strs.size() - 1; i >= 0; i--) {
            String t = strs.get(i);
            Integer known = ids.get(t);
            if (known != null) { out.add(known); continue; }
            if (byteFallback) {
                byte[] b = t.getBytes(StandardCharsets.UTF_8);
                int[] bt = new int[b.length];
                boolean all = true;
                for (int k = 0; k < b.length && all; k++) {
                    Integer x = ids.get(String.format("<0x%02X>", b[k] & 0xff));
                    if (x == null) all = false; else bt[k] = x;
                }
                if (all) { out.addAll(bt, 0, bt.length); continue; }
            }
            out.add(unkId);
        }
    }

    @Override
    public String token(int id) { return id >= 0 && id < pieces.length ? pieces[id] : null; }

    @Override
    public int id(String token) { return ids.getOrDefault(token, -1); }

    @Override
    public int size() { return pieces.length; }
}
