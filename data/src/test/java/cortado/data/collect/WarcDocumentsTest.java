package cortado.data.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.text.BadInputException;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.ReadOptions;
import cortado.data.text.TextSplit;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarcDocumentsTest {
    @TempDir Path dir;

    static final String PARA = "The committee met on Tuesday and agreed the budget for the coming year after a long"
            + " discussion about the cost of repairs to the old swimming pool, which has been closed since the summer because of a leak in the roof.";

    static List<Document> read(Path f, List<String> warnings) {
        List<Document> out = new ArrayList<>();
        try (DocumentReader r = new DocumentReader(List.of(f), ReadOptions.defaults(), warnings::add)) {
            while (r.hasNext()) out.add(r.next());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    @Test
    void readsResponsesAndConversionsFromAMultiMemberGzipAndCountsTheRest() throws IOException {
        Path f = dir.resolve("crawl.warc.gz");
        String latinPage = "<html><head><title>Caf\u00e9 news</title></head><body><nav><a href=/>Home</a></nav><p>"
                + PARA.replace("committee", "caf\u00e9 committee") + "</p></body></html>";
        String chunkedBody = "<p>" + PARA + "</p>";
        byte[] cb = chunkedBody.getBytes(StandardCharsets.UTF_8);
        String chunked = Integer.toHexString(20) + "\r\n" + chunkedBody.substring(0, 20) + "\r\n"
                + Integer.toHexString(cb.length - 20) + "\r\n" + chunkedBody.substring(20) + "\r\n0\r\n\r\n";
        try (WarcWriter w = new WarcWriter(f, true)) {
            w.record("WARC/1.0", "warcinfo", null, "application/warc-fields", "software: test\r\n".getBytes());           // 1
            w.record("WARC/1.0", "request", "https://www.example.org/a", "application/http; msgtype=request",
                    "GET /a HTTP/1.1\r\nHost: www.example.org\r\n\r\n".getBytes());                                  // 2
            w.response("WARC/1.0", "https://www.example.org/a", "HTTP/1.1 200 OK",
                    "Content-Type: text/html; charset=ISO-8859-1", latinPage.getBytes(Charset.forName("ISO-8859-1"))); // 3
            w.response("WARC/1.1", "https://example.org/missing", "HTTP/1.1 404 Not Found", "Content-Type: text/html",
                    "<p>not here</p>".getBytes());                                                                    // 4
            w.response("WARC/1.1", "https://img.example.org/x.png", "HTTP/1.1 200 OK", "Content-Type: image/png",
                    new byte[] {(byte) 0x89, 'P', 'N', 'G'});                                                           // 5
            w.response("WARC/1.1", "http://news.example.com:8080/b?x=1", "HTTP/1.1 200 OK",
                    "Content-Type: text/html\r\nTransfer-Encoding: chunked", chunked.getBytes(StandardCharsets.UTF_8)); // 6
            w.record("WARC/1.0", "conversion", "https://blog.example.net/c", "text/plain",
                    ("Plain text from a WET file.\n" + PARA).getBytes(StandardCharsets.UTF_8));                       // 7
            w.record("WARC/1.0", "metadata", "https://blog.example.net/c", "application/warc-fields", "x: y\r\n".getBytes()); // 8
        }
        List<String> warnings = new ArrayList<>();
        List<Document> docs;
        List<String> skips = new ArrayList<>();
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f));
             WarcDocuments w = new WarcDocuments(in, f.toString(), 1 << 20, skips::add)) {
            docs = new ArrayList<>();
            for (Document d; (d = w.next()) != null; ) docs.add(d);
        }
        assertThat(docs).hasSize(3);
        Document a = docs.get(0);
        assertThat(a.text()).isEqualTo(PARA.replace("committee", "caf\u00e9 committee"));
        assertThat(a.source()).isEqualTo(f + "#3");
        assertThat(a.provenance()).isEqualTo(new Provenance(SourceKind.WARC, f.toString(), WarcWriter.recordId(3),
                "https://www.example.org/a", "Caf\u00e9 news"));
        assertThat(a.provenance().domain()).isEqualTo("example.org");
        assertThat(docs.get(1).text()).isEqualTo(PARA);
        assertThat(docs.get(1).provenance().domain()).isEqualTo("news.example.com");
        assertThat(docs.get(2).text()).isEqualTo("Plain text from a WET file.\n" + PARA);
        assertThat(docs.get(2).provenance().kind()).isEqualTo(SourceKind.WET);
        assertThat(skips).containsExactly("warc.warcinfo", "warc.request", "http.status", "http.not_html", "warc.metadata");

        // Through DocumentReader: the same documents, the skips in the input stats.
        try (DocumentReader r = new DocumentReader(List.of(f), ReadOptions.defaults(), warnings::add)) {
            int n = 0;
            while (r.hasNext()) { r.next(); n++; }
            assertThat(n).isEqualTo(3);
            assertThat(r.stats().skippedRecords()).containsEntry("warc.request", 1L).containsEntry("http.status", 1L)
                    .hasSize(5);
        }
        assertThat(warnings).isEmpty();
    }

    @Test
    void uncompressedWarcOversizedRecordsAreSkippedNotHeld() throws IOException {
        Path f = dir.resolve("small.warc");
        try (WarcWriter w = new WarcWriter(f, false)) {
            w.html("https://a.example/1", "<p>" + PARA + "</p>");
            w.html("https://a.example/2", "<p>" + PARA.repeat(20) + "</p>");
            w.html("https://a.example/3", "<p>" + PARA + " Again.</p>");
        }
        List<String> skips = new ArrayList<>();
        List<Document> docs = new ArrayList<>();
        try (WarcDocuments w = new WarcDocuments(Files.newInputStream(f), f.toString(), 2000, skips::add)) {
            for (Document d; (d = w.next()) != null; ) docs.add(d);
        }
        assertThat(docs).extracting(Document::source).containsExactly(f + "#1", f + "#3");
        assertThat(skips).containsExactly("warc.oversized");
    }

    @Test
    void errorsNameTheFileTheRecordAndItsOffset() throws IOException {
        Path f = dir.resolve("bad.warc");
        try (WarcWriter w = new WarcWriter(f, false)) {
            w.html("https://a.example/1", "<p>" + PARA + "</p>");
        }
        long firstLength = Files.size(f);
        Files.write(f, "WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 500\r\n\r\nshort".getBytes(),
                java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> read(f, new ArrayList<>())).isInstanceOf(BadInputException.class)
                .hasMessage(f + ": record 2 at offset " + firstLength + ": truncated: Content-Length 500 but 5 bytes follow");

        Path g = dir.resolve("v.warc");
        Files.writeString(g, "WARC/0.17\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(() -> read(g, new ArrayList<>())).hasMessage(g
                + ": record 1 at offset 0: unsupported WARC version 'WARC/0.17' (WARC/1.0 and WARC/1.1 are read)");
        Path h = dir.resolve("h.warc");
        Files.writeString(h, "WARC/1.0\r\nWARC-Type: response\r\n\r\n");
        assertThatThrownBy(() -> read(h, new ArrayList<>())).hasMessage(h + ": record 1 at offset 0: missing Content-Length");
        Path b = dir.resolve("dump.xml.bz2");
        Files.write(b, new byte[] {'B', 'Z', 'h'});
        assertThatThrownBy(() -> read(b, new ArrayList<>())).hasMessageStartingWith(b + ": bzip2 files cannot be read");
        Path z = dir.resolve("RC_2019-01.zst");
        Files.write(z, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
        assertThatThrownBy(() -> read(z, new ArrayList<>())).hasMessage(z
                + ": zstd files cannot be read with the JDK alone; decompress it (zstd -d) or recompress it with gzip");
    }
}
