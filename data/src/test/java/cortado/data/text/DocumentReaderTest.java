package cortado.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentReaderTest {
    @TempDir Path dir;

    private List<Document> readAll(DocumentReader r) {
        List<Document> out = new ArrayList<>();
        r.forEachRemaining(out::add);
        return out;
    }

    @Test
    void readsTheThreeJsonlLayouts() throws IOException {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, """
                {"text": "plain text"}
                {"prompt": "Q: 2+2?", "completion": " 4"}
                {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "text", "text": "hello"}]}]}
                """);
        List<Document> docs = readAll(new DocumentReader(List.of(f), ReadOptions.defaults(), w -> {}));
        assertThat(docs).extracting(Document::text)
                .containsExactly("plain text", "Q: 2+2? 4", "user: hi\nassistant: hello");
        assertThat(docs.get(1).source()).isEqualTo(f + ":2");
    }

    @Test
    void malformedJsonlLinesAreReportedAsFileLineAndSkipped() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, """
                {"text": "one"}
                {"text": "two"
                [1, 2]

                {"title": "no text"}
                {"text": 42}
                {"text": "six"}
                """);
        List<String> warnings = new ArrayList<>();
        DocumentReader r = new DocumentReader(List.of(f), ReadOptions.defaults(), warnings::add);
        assertThat(readAll(r)).extracting(Document::text).containsExactly("one", "six");
        assertThat(r.stats().malformedLines()).isEqualTo(4);
        assertThat(warnings).hasSize(4);
        assertThat(warnings.get(0)).startsWith(f + ":2: invalid JSON").endsWith("(skipped)");
        assertThat(warnings.get(1)).startsWith(f + ":3: expected a JSON object");
        assertThat(warnings.get(2)).startsWith(f + ":5: no \"text\"");
        assertThat(warnings.get(3)).startsWith(f + ":6: field \"text\" is not a string");
    }

    @Test
    void malformedJsonlLineIsFatalWithTheFlag() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"one\"}\n{oops}\n");
        ReadOptions strict = new ReadOptions(TextSplit.FILE, 1 << 20, 1 << 20, true);
        DocumentReader r = new DocumentReader(List.of(f), strict, w -> {});
        assertThat(r.next().text()).isEqualTo("one");
        assertThatThrownBy(r::hasNext).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ":2: invalid JSON")
                .satisfies(e -> assertThat(((BadInputException) e).where()).isEqualTo(f + ":2"));
    }

    @Test
    void invalidUtf8IsReplacedAndCountedInTextAndJsonl() throws IOException {
        Path t = dir.resolve("a.txt");
        Files.write(t, new byte[] {'h', (byte) 0xFF, 'i', '\n', (byte) 0xC3});
        Path j = dir.resolve("b.jsonl");
        Files.write(j, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}', '\n'});
        DocumentReader r = new DocumentReader(List.of(t, j), ReadOptions.defaults(), w -> {});
        assertThat(readAll(r)).extracting(Document::text).containsExactly("h\uFFFDi\n\uFFFD", "\uFFFD");
        assertThat(r.stats().invalidUtf8Sequences()).isEqualTo(3);
    }

    @Test
    void overlongJsonlLinesAreSkippedAsMalformed() throws IOException {
        Path f = dir.resolve("x.jsonl");
        Files.writeString(f, "{\"text\": \"" + "a".repeat(1000) + "\"}\n{\"text\": \"ok\"}\n");
        List<String> warnings = new ArrayList<>();
        DocumentReader r = new DocumentReader(List.of(f), new ReadOptions(TextSplit.FILE, 1 << 20, 100, false), warnings::add);
        assertThat(readAll(r)).extracting(Document::text).containsExactly("ok");
        assertThat(r.stats().overlongLines()).isEqualTo(1);
        assertThat(warnings.getFirst()).startsWith(f + ":1: line longer than 100 bytes");
    }

    @Test
    void walksDirectoriesInSortedOrderSkippingHiddenFilesAndReadsGzip() throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("b.txt"), "bee\n");
        Files.writeString(dir.resolve("a.txt"), "ay\n");
        Files.writeString(dir.resolve(".hidden.txt"), "no\n");
        Files.writeString(dir.resolve("sub/c.txt"), "sea");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("sub/d.jsonl.gz")))) {
            o.write("{\"text\":\"zipped\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        DocumentReader r = new DocumentReader(List.of(dir), ReadOptions.defaults(), w -> {});
        assertThat(readAll(r)).extracting(Document::text).containsExactly("ay", "bee", "sea", "zipped");
        assertThat(r.stats().files()).isEqualTo(4);
    }

    @Test
    void textSplitModesAndTheDocumentSizeLimit() throws IOException {
        Path f = dir.resolve("t.txt");
        Files.writeString(f, "p1 l1\np1 l2\n\n\np2 l1\n\nline three\n");
        assertThat(readAll(new DocumentReader(List.of(f), new ReadOptions(TextSplit.PARAGRAPH, 1 << 20, 1 << 20, false), w -> {})))
                .extracting(Document::text).containsExactly("p1 l1\np1 l2", "p2 l1", "line three");
        assertThat(readAll(new DocumentReader(List.of(f), new ReadOptions(TextSplit.LINE, 1 << 20, 1 << 20, false), w -> {})))
                .extracting(Document::text).containsExactly("p1 l1", "p1 l2", "p2 l1", "line three");
        List<Document> whole = readAll(new DocumentReader(List.of(f), ReadOptions.defaults(), w -> {}));
        assertThat(whole).extracting(Document::text).containsExactly("p1 l1\np1 l2\n\n\np2 l1\n\nline three");

        // A file far larger than the limit comes out in pieces cut at line ends, none over the limit, nothing lost.
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2000; i++) big.append("line number ").append(i).append('\n');
        Files.writeString(f, big);
        List<Document> pieces = readAll(new DocumentReader(List.of(f), new ReadOptions(TextSplit.FILE, 1000, 1 << 20, false), w -> {}));
        assertThat(pieces.size()).isGreaterThan(20);
        assertThat(pieces).allSatisfy(d -> assertThat(d.text().length()).isLessThanOrEqualTo(1000));
        assertThat(String.join("\n", pieces.stream().map(Document::text).toList()) + "\n").isEqualTo(big.toString());
        assertThat(pieces.get(1).source()).matches(".*t\\.txt:\\d+").isNotEqualTo(f + ":1");
    }

    @Test
    void aMissingInputIsNamed() {
        Path missing = dir.resolve("nope.txt");
        assertThatThrownBy(() -> new DocumentReader(List.of(missing), ReadOptions.defaults(), w -> {}))
                .isInstanceOf(BadInputException.class).hasMessage(missing + ": no such file or directory");
    }
}
