package cortado.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8LineReaderTest {
    private static List<String> lines(Utf8LineReader r) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l; (l = r.readLine()) != null; ) out.add(l);
        return out;
    }

    private static Utf8LineReader reader(byte[] b, int max, Utf8LineReader.Overlong o) {
        return new Utf8LineReader(new ByteArrayInputStream(b), max, o);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @Test
    void splitsLinesOnLfAndCrLfWithoutAnEmptyLastLine() throws IOException {
        var r = reader("a\r\nbé\n\nlast\n".getBytes(StandardCharsets.UTF_8), 100, Utf8LineReader.Overlong.SKIP);
        assertThat(lines(r)).containsExactly("a", "bé", "", "last");
        assertThat(r.invalidSequences()).isZero();
        var r2 = reader("x\ny".getBytes(StandardCharsets.UTF_8), 100, Utf8LineReader.Overlong.SKIP);
        assertThat(lines(r2)).containsExactly("x", "y");
    }

    @Test
    void replacesEachMaximalIllFormedSubsequenceWithOneReplacementCharAndCountsIt() throws IOException {
        // lone continuation byte; truncated 3-byte sequence E2 82 before 'A'; overlong C0 AF; surrogate ED A0 80;
        // byte FF; truncated 4-byte sequence at the end of the line.
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(bytes('o', 'k', 0x80, 'x', '\n'));
        b.writeBytes(bytes(0xE2, 0x82, 'A', '\n'));
        b.writeBytes(bytes(0xC0, 0xAF, '\n'));
        b.writeBytes(bytes(0xFF, 0xE2, 0x82, 0xAC, '\n')); // FF then a valid euro sign
        b.writeBytes(bytes('z', 0xF0, 0x9F, 0x98));
        var r = reader(b.toByteArray(), 100, Utf8LineReader.Overlong.SKIP);
        assertThat(lines(r)).containsExactly("ok\uFFFDx", "\uFFFDA", "\uFFFD\uFFFD", "\uFFFD€", "z\uFFFD");
        assertThat(r.invalidSequences()).isEqualTo(6); // 80 | E2 82 | C0 | AF | FF | F0 9F 98
    }

    @Test
    void dropsAByteOrderMarkAtTheStartOnly() throws IOException {
        byte[] bom = bytes(0xEF, 0xBB, 0xBF, 'h', 'i', '\n', 0xEF, 0xBB, 0xBF, '!');
        assertThat(lines(reader(bom, 100, Utf8LineReader.Overlong.SKIP))).containsExactly("hi", "\uFEFF!");
    }

    @Test
    void skipsOverlongLinesWithoutKeepingThemAndKeepsLineNumbers() throws IOException {
        String big = "y".repeat(5000);
        var r = reader(("short\n" + big + "\nafter\n").getBytes(StandardCharsets.UTF_8), 100, Utf8LineReader.Overlong.SKIP);
        assertThat(r.readLine()).isEqualTo("short");
        assertThat(r.readLine()).isEmpty();
        assertThat(r.lastSkipped()).isTrue();
        assertThat(r.lineNumber()).isEqualTo(2);
        assertThat(r.readLine()).isEqualTo("after");
        assertThat(r.lastSkipped()).isFalse();
        assertThat(r.lineNumber()).isEqualTo(3);
    }

    @Test
    void splitsOverlongLinesOnCodePointBoundaries() throws IOException {
        String s = "€".repeat(10); // 3 bytes each
        var r = reader((s + "\n").getBytes(StandardCharsets.UTF_8), 8, Utf8LineReader.Overlong.SPLIT);
        List<String> pieces = lines(r);
        assertThat(String.join("", pieces)).isEqualTo(s);
        assertThat(pieces).allSatisfy(p -> assertThat(p).doesNotContain("\uFFFD").hasSizeLessThanOrEqualTo(2));
        assertThat(r.invalidSequences()).isZero();
    }

    @Test
    void handlesLinesLongerThanTheReadBuffer() throws IOException {
        String big = "ab€".repeat(100_000);
        var r = reader((big + "\nend").getBytes(StandardCharsets.UTF_8), 1 << 22, Utf8LineReader.Overlong.SKIP);
        assertThat(lines(r)).containsExactly(big, "end");
        assertThat(r.bytesRead()).isEqualTo(big.getBytes(StandardCharsets.UTF_8).length + 4);
    }
}
