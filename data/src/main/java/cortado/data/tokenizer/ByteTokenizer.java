package cortado.data.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The simplest tokenizer that can represent any text: one token per UTF-8 byte (ids 0..255) and id 256 as the
 * end-of-text separator. The small demo models use it.
 */
public final class ByteTokenizer implements Tokenizer {
    public static final int END_OF_TEXT = 256;

    @Override
    public int[] encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int id : ids) if (id >= 0 && id < 256) out.write(id);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override public int vocabSize() { return 257; }

    @Override public int endOfTextId() { return END_OF_TEXT; }
}
