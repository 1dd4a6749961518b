package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streaming decode: text emitted token by token, concatenated, equals decode of the whole; a token that ends inside
 * a UTF-8 sequence is held back. Lossy UTF-8 as Rust's from_utf8_lossy and Python's errors="replace" (both Unicode's
 * maximal-subpart rule; expected strings below are Python's). Exact equality.
 */
class StreamingDecoderTest {
    static final BpeTokenizer GPT2 = TiktokenParityTest.GPT2;

    @Test
    void lossyUtf8GivesOneReplacementPerMaximalBadSubpart() {
        assertThat(Utf8Lossy.decode(bytes(0xE4, 0xB8))).isEqualTo("\uFFFD");
        assertThat(Utf8Lossy.decode(bytes(0xE4, 'A'))).isEqualTo("\uFFFDA");
        assertThat(Utf8Lossy.decode(bytes(0xC0, 0x80))).isEqualTo("\uFFFD\uFFFD");
        assertThat(Utf8Lossy.decode(bytes(0xED, 0xA0, 0x80))).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(Utf8Lossy.decode(bytes(0xF0, 0x9F, 0x98))).isEqualTo("\uFFFD");
        assertThat(Utf8Lossy.decode(bytes(0xF0, 0x9F, 0x98, 0x80))).isEqualTo("\uD83D\uDE00");
        assertThat(Utf8Lossy.decode(bytes(0xE0, 0x80, 0x80))).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(Utf8Lossy.decode(bytes(0xF4, 0x90, 0x80, 0x80))).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD");
        assertThat(Utf8Lossy.endsIncomplete(bytes('a', 0xF0, 0x9F), 0, 3)).isTrue();
        assertThat(Utf8Lossy.endsIncomplete(bytes('a', 0xC3, 0xA9), 0, 3)).isFalse();
    }

    @Test
    void aTrailingPartialSequenceDecodesToOneReplacementCharacter() {
        int[] ids = GPT2.encode("ok \uD83D\uDE00");  // the emoji is byte tokens that split its four bytes
        byte[] all = GPT2.decodeBytes(ids);
        int[] cut = Arrays.copyOf(ids, ids.length - 1);
        byte[] partial = GPT2.decodeBytes(cut);
        assertThat(partial.length).isBetween(all.length - 3, all.length - 1);
        assertThat(GPT2.decode(cut)).isEqualTo("ok \uFFFD");
    }

    @Test
    void streamedTextEqualsTheWholeDecodeOnEveryCorpusCase() {
        int held = 0;
        for (String t : Resources.corpus()) {
            int[] ids = GPT2.encode(t);
            StreamingDecoder s = new StreamingDecoder(GPT2, false);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                String piece = s.step(id);
                if (piece.isEmpty()) held++;
                // Nothing emitted ever ends in a replacement character that a later byte would complete.
                assertThat(piece).doesNotEndWith("\uFFFD");
                out.append(piece);
            }
            out.append(s.finish());
            assertThat(out.toString()).isEqualTo(GPT2.decode(ids)).isEqualTo(t);
        }
        assertThat(held).as("tokens held back inside a multi-byte character").isPositive();
    }

    @Test
    void finishFlushesAnUnfinishedSequenceAsHfDecodeDoes() {
        int[] ids = GPT2.encode("\u65e5\u672c");
        int[] cut = Arrays.copyOf(ids, ids.length - 1);
        StreamingDecoder s = new StreamingDecoder(GPT2, false);
        StringBuilder out = new StringBuilder();
        for (int id : cut) out.append(s.step(id));
        out.append(s.finish());
        assertThat(out.toString()).isEqualTo(GPT2.decode(cut)).endsWith("\uFFFD").doesNotEndWith("\uFFFD\uFFFD");
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    static String utf8(byte[] b) { return new String(b, StandardCharsets.UTF_8); }
}
