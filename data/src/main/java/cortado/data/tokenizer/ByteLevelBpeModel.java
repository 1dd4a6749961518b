package cortado.data.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * HF's BPE model for a byte-level vocabulary (every token spelled in {@link ByteLevel} characters, all 256 bytes
 * present, no prefix, suffix or byte fallback): the same ids as {@link BpeModel} over the byte characters, computed
 * with {@link BpeTokenizer}'s byte merge loop.
 */
final class ByteLevelBpeModel implements SubwordModel {
    private final BpeTokenizer bpe;
    private final Map<String, Integer> extra;  // vocabulary entries that are not byte-level spelled (added tokens)
    private final String[] extraById;

    ByteLevelBpeModel(BpeTokenizer bpe, Map<String, Integer> extra) {
        this.bpe = bpe;
        this.extra = new HashMap<>(extra);
        int max = -1;
        for (int id : extra.values()) max = Math.max(max, id);
        extraById = new String[max + 1];
        for (var e : extra.entrySet()) extraById[e.getValue()] = e.getKey();
    }

    BpeTokenizer bpe() { return bpe; }

    @Override
    public void tokenize(String piece, IntList out) { bpe.encodeByteLevelPiece(piece, out); }

    @Override
    public String token(int id) {
        byte[] b = bpe.tokenBytes(id);
        if (b != null) return ByteLevel.encode(b);
        return id >= 0 && id < extraById.length ? extraById[id] : null;
    }

    @Override
    public int id(String token) {
        Integer e = extra.get(token);
        if (e != null) return e;
        byte[] b = ByteLevel.decode(token);
        return b == null ? -1 : bpe.tokenId(b);
    }

    @Override
    public int size() { return Math.max(bpe.ordinaryIds(), extraById.length); }
}
