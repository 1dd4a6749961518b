package cortado.data.collect;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes WARC files for tests as ISO 28500 lays them out and Common Crawl ships them: each record its own gzip
 * member (so the file is a multi-member gzip stream), CRLF line ends, Content-Length of the block, two CRLFs after it.
 */
public final class WarcWriter implements AutoCloseable {
    private final OutputStream out;
    private final boolean gzip;
    private int n;

    public WarcWriter(Path file, boolean gzip) throws IOException {
        this.out = Files.newOutputStream(file);
        this.gzip = gzip;
    }

    /** An HTTP response record for {@code url} with the given status line, headers (CRLF-joined lines) and body. */
    public WarcWriter response(String version, String url, String statusLine, String httpHeaders, byte[] body) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write((statusLine + "\r\n" + httpHeaders + (httpHeaders.isEmpty() ? "" : "\r\n") + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        block.write(body);
        return record(version, "response", url, "application/http; msgtype=response", block.toByteArray());
    }

    public WarcWriter html(String url, String html) throws IOException {
        return response("WARC/1.1", url, "HTTP/1.1 200 OK", "Content-Type: text/html; charset=utf-8",
                html.getBytes(StandardCharsets.UTF_8));
    }

    public WarcWriter record(String version, String type, String url, String contentType, byte[] block) throws IOException {
        n++;
        StringBuilder h = new StringBuilder(version).append("\r\n");
        h.append("WARC-Type: ").append(type).append("\r\n");
        h.append("WARC-Date: 2026-03-14T09:00:0").append(n % 10).append("Z\r\n");
        h.append("WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-").append(String.format("%012d", n)).append(">\r\n");
        if (url != null) h.append("WARC-Target-URI: ").append(url).append("\r\n");
        if (contentType != null) h.append("Content-Type: ").append(contentType).append("\r\n");
        h.append("Content-Length: ").append(block.length).append("\r\n\r\n");
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(h.toString().getBytes(StandardCharsets.UTF_8));
        rec.write(block);
        rec.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (gzip) {
            GZIPOutputStream gz = new GZIPOutputStream(new NonClosing(out));
            rec.writeTo(gz);
            gz.finish();
        } else {
            rec.writeTo(out);
        }
        return this;
    }

    public static String recordId(int n) { return "<urn:uuid:00000000-0000-0000-0000-" + String.format("%012d", n) + ">"; }

    @Override
    public void close() throws IOException { out.close(); }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream o) { super(o); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { flush(); }
    }
}
