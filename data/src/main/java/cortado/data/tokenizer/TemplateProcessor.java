package cortado.data.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Wraps encoded sequences in special tokens, as HF's TemplateProcessing (and BertProcessing and RobertaProcessing,
 * which are fixed templates): BERT's single template is
 * {@code [CLS] $A [SEP]} and its pair template {@code [CLS] $A [SEP] $B:1 [SEP]:1}, where {@code :1} is the token
 * type id. Truncation (longest-first, HF's rule) makes room for the specials before they are added.
 */
public final class TemplateProcessor implements PostProcessor {
    /** One template element: special token ids (usually one), or sequence A (0) / B (1); each with its type id. */
    record Piece(int[] specialIds, int sequence, int typeId) {
        Piece(int specialId, int sequence, int typeId) { this(new int[] {specialId}, sequence, typeId); }
    }

    private final List<Piece> single;
    private final List<Piece> pair;

    TemplateProcessor(List<Piece> single, List<Piece> pair) {
        this.single = List.copyOf(single);
        this.pair = List.copyOf(pair);
    }

    /** HF's RobertaProcessing: {@code <s> $A </s>} and {@code <s> $A </s> </s> $B </s>}, all of type 0. */
    public static TemplateProcessor roberta(int clsId, int sepId) {
        return new TemplateProcessor(
                List.of(new Piece(clsId, -1, 0), new Piece(-1, 0, 0), new Piece(sepId, -1, 0)),
                List.of(new Piece(clsId, -1, 0), new Piece(-1, 0, 0), new Piece(sepId, -1, 0), new Piece(sepId, -1, 0),
                        new Piece(-1, 1, 0), new Piece(sepId, -1, 0)));
    }

    /** A template from tokenizer.json's pieces (already resolved). */
    static TemplateProcessor of(List<Piece> single, List<Piece> pair) { return new TemplateProcessor(single, pair); }

    /** BERT's templates. */
    public static TemplateProcessor bert(int clsId, int sepId) {
        return parse("[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1", Map.of("[CLS]", clsId, "[SEP]", sepId));
    }

    /** Parses HF template strings ({@code $A}, {@code $B}, special tokens, each optionally {@code :typeId}). */
    public static TemplateProcessor parse(String single, String pair, Map<String, Integer> specials) {
        return new TemplateProcessor(pieces(single, specials), pieces(pair, specials));
    }

    static List<Piece> pieces(String template, Map<String, Integer> specials) {
        List<Piece> out = new ArrayList<>();
        for (String item : template.trim().split("\\s+")) {
            int type = 0;
            String name = item;
            int colon = item.lastIndexOf(':');
            if (colon > 0) {
                try {
                    type = Integer.parseInt(item.substring(colon + 1));
                    name = item.substring(0, colon);
                } catch (NumberFormatException ignored) {
                    // a colon inside a token name
                }
            }
            switch (name) {
                case "$A", "$0", "$" -> out.add(new Piece(-1, 0, type));
                case "$B", "$1" -> out.add(new Piece(-1, 1, type));
                default -> {
                    Integer id = specials.get(name);
                    if (id == null) throw new TokenizerException("template '" + template + "' names unknown special token " + name);
                    out.add(new Piece(id, -1, type));
                }
            }
        }
        return out;
    }

    /** Number of special tokens the template adds for one or two sequences. */
    @Override
    public int addedTokens(boolean isPair) {
        return (isPair ? pair : single).stream().filter(p -> p.sequence() < 0).mapToInt(p -> p.specialIds().length).sum();
    }

    /** HF's {@code apply_template}: sequences take the template's type ids; specials only when asked for. */
    @Override
    public Encoding process(int[] a, int[] b, boolean addSpecialTokens) {
        IntList ids = new IntList(a.length + (b == null ? 0 : b.length) + 4), types = new IntList(ids.size() + 8);
        for (Piece p : b == null ? single : pair) {
            if (p.sequence() < 0) {
                if (!addSpecialTokens) continue;
                for (int id : p.specialIds()) { ids.add(id); types.add(p.typeId()); }
            } else {
                int[] s = p.sequence() == 0 ? a : b;
                if (s == null) continue;
                for (int id : s) { ids.add(id); types.add(p.typeId()); }
            }
        }
        int[] mask = new int[ids.size()];
        java.util.Arrays.fill(mask, 1);
        return new Encoding(ids.toArray(), types.toArray(), mask);
    }

    /** Applies the template to {@code a} (and {@code b}, nullable); {@code maxLength} <= 0 means no truncation. */
    public Encoding apply(int[] a, int[] b, int maxLength) {
        if (maxLength > 0) {
            int room = maxLength - addedTokens(b != null);
            if (room < 0) throw new IllegalArgumentException("max length " + maxLength + " leaves no room for the special tokens");
            int[] n = truncatedLengths(a.length, b == null ? -1 : b.length, room, maxLength);
            a = java.util.Arrays.copyOf(a, n[0]);
            if (b != null) b = java.util.Arrays.copyOf(b, n[1]);
        }
        return process(a, b, true);
    }

    /**
     * HF's longest-first rule for a pair, as tokenizers 0.2x computes it (fitted to and checked against it for every
     * pair of lengths below 50 and several limits): keep the shorter sequence whole and cut the longer to the room
     * left, never below the shorter's length; when that still does not fit, the shorter gets half the room and the
     * longer the other half plus the odd one. When the shorter alone reaches {@code maxLength} (the limit before the
     * special tokens are subtracted), the first gets half and the second the rest. {@code nb} < 0: one sequence.
     */
    static int[] truncatedLengths(int na, int nb, int room, int maxLength) {
        if (nb < 0) return new int[] {Math.min(na, room), 0};
        if (na + nb <= room) return new int[] {na, nb};
        int shorter = Math.min(na, nb);
        if (shorter >= maxLength) return new int[] {room / 2, room - room / 2};
        int s = shorter, l = shorter > room ? shorter : Math.max(shorter, room - shorter);
        if (s + l > room) {
            s = room / 2;
            l = s + room % 2;
        }
        int a = na <= nb ? s : l, b = na <= nb ? l : s;
        return new int[] {Math.min(a, na), Math.min(b, nb)};
    }
}
