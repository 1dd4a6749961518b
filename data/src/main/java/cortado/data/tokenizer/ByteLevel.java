package cortado.data.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's reversible byte-to-character map ({@code bytes_to_unicode} in OpenAI's encoder.py): printable Latin-1 bytes
 * map to themselves, the other 68 bytes to U+0100 and up, so every byte string is spelled by visible characters.
 * encoder.json, vocab.bpe and Hugging Face's ByteLevel tokenizer.json files spell tokens this way.
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The visible character that stands for {@code b} (0..255). */
    public static char charOf(int b) { return BYTE_TO_CHAR[b & 0xff]; }

    /** Byte-level spelling of {@code bytes[from, to)}. */
    public static String encode(byte[] bytes, int from, int to) {
        char[] c = new char[to - from];
        for (int i = from; i < to; i++) c[i - from] = BYTE_TO_CHAR[bytes[i] & 0xff];
        return new String(c);
    }

    public static String encode(byte[] bytes) { return encode(bytes, 0, bytes.length); }

    /** The bytes a byte-level spelled string stands for, or null if it holds a character outside the map. */
    public static byte[] decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) return null;
            out.write(b);
        }
        return out.toByteArray();
    }

    /** The 256 characters of the map, in byte order (HF's {@code ByteLevel.alphabet()}). */
    public static char[] alphabet() { return BYTE_TO_CHAR.clone(); }
}
