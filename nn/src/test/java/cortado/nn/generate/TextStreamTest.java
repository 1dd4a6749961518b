package cortado.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.tokenizer.ByteTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    private static final ByteTokenizer BYTES = new ByteTokenizer();

    private static List<String> pieces(TextStream s, String text, int... extra) {
        List<String> out = new java.util.ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) out.add(s.accept(b & 0xFF));
        for (int id : extra) out.add(s.accept(id));
        out.add(s.finish());
        return out;
    }

    @Test
    void holdsBackIncompleteUtf8AndSkipsEos() {
        TextStream s = new TextStream(BYTES, Set.of(ByteTokenizer.END_OF_TEXT), List.of());
        // "é" is two bytes and "😀" four: nothing is printed until the last byte of each.
        List<String> p = pieces(s, "aé😀", ByteTokenizer.END_OF_TEXT);
        assertThat(p).containsExactly("a", "", "é", "", "", "", "😀", "", "");
    }

    @Test
    void neverPrintsAStopStringNorWhatFollows() {
        TextStream s = new TextStream(BYTES, Set.of(), List.of("STOP", "yz!"));
        List<String> p = pieces(s, "abSTxSTOPtail");
        assertThat(String.join("", p)).isEqualTo("abSTx");
        // "ST" is held while it could begin "STOP", and released when "x" shows it does not.
        assertThat(p.subList(0, 5)).containsExactly("a", "b", "", "", "STx");
    }

    @Test
    void releasesAHeldPrefixAtTheEnd() {
        TextStream s = new TextStream(BYTES, Set.of(), List.of("STOP"));
        assertThat(String.join("", pieces(s, "abST"))).isEqualTo("abST");
    }
}
