package cortado.data.tokenizer;

/**
 * UTF-8 to text as Rust's {@code String::from_utf8_lossy} does it (and so HF tokenizers' ByteLevel decoder): each
 * maximal prefix of a valid sequence that cannot be completed becomes one U+FFFD (Unicode's "substitution of maximal
 * subparts"). A sequence cut off at the end of the input is one U+FFFD, where java.lang.String gives one per byte.
 */
public final class Utf8Lossy {
    private Utf8Lossy() {}

    public static String decode(byte[] b) { return decode(b, 0, b.length); }

    public static String decode(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xff;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF, cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) { need = 1; cp = b0 & 0x1F; }
            else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2; cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3; cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) { ok = false; break; }
                int c = b[j] & 0xff;
                int l = k == 0 ? lo : 0x80, h = k == 0 ? hi : 0xBF;
                if (c < l || c > h) { ok = false; break; }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (ok) out.appendCodePoint(cp);
            else out.append('\uFFFD');
            i = j;
        }
        return out.toString();
    }

    /**
     * True when {@code b[from, to)} ends inside a UTF-8 sequence that more bytes could still complete (a lead byte
     * followed by fewer continuation bytes than it announces, each in its valid range).
     */
    public static boolean endsIncomplete(byte[] b, int from, int to) {
        for (int back = 1; back <= 3 && to - back >= from; back++) {
            int c = b[to - back] & 0xff;
            if (c >= 0x80 && c <= 0xBF) continue;  // continuation byte: look further back for the lead
            int need = c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : -1;
            if (need < back) return false;
            String tail = decode(b, to - back, to);
            return tail.equals("\uFFFD");
        }
        return false;
    }
}
