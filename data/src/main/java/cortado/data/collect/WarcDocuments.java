package cortado.data.collect;

import cortado.data.text.Document;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The documents of a WARC or WET file. {@code response} records (HTTP 200, HTML media type) and {@code resource}
 * records of HTML become their main text ({@link HtmlText}), decoded with the charset of the HTTP header or the page's
 * meta ({@link HtmlCharset}); {@code conversion} records (WET: text Common Crawl extracted) and plain-text resources
 * are taken as UTF-8 text. Every other record is skipped and counted by reason: {@code warc.warcinfo},
 * {@code warc.request}, {@code warc.metadata}, {@code warc.revisit}, {@code http.status} (not 200),
 * {@code http.not_html}, {@code warc.not_http}, {@code warc.oversized}, {@code html.no_main_text}.
 */
public final class WarcDocuments implements RecordSource {
    private final WarcReader reader;
    private final String file;
    private final Consumer<String> skipped;

    /** @param skipped receives the reason of each record that yields no document */
    public WarcDocuments(InputStream in, String file, long maxRecordBytes, Consumer<String> skipped) {
        this.reader = new WarcReader(in, file, maxRecordBytes);
        this.file = file;
        this.skipped = skipped;
    }

    @Override
    public Document next() throws IOException {
        WarcRecord r;
        while ((r = reader.next()) != null) {
            Document d = document(r);
            if (d != null) return d;
        }
        return null;
    }

    private Document document(WarcRecord r) {
        String type = r.type();
        if (!type.equals("response") && !type.equals("resource") && !type.equals("conversion")) {
            skipped.accept("warc." + (type.isEmpty() ? "untyped" : type));
            return null;
        }
        if (r.content() == null) {
            skipped.accept("warc.oversized");
            return null;
        }
        String url = r.header("WARC-Target-URI");
        if (url != null && url.startsWith("<") && url.endsWith(">")) url = url.substring(1, url.length() - 1); // WARC/1.0 drafts
        String id = r.header("WARC-Record-ID");
        String where = file + "#" + r.number();
        String contentType = r.header("Content-Type");
        String media = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (type.equals("conversion") || (type.equals("resource") && media.equals("text/plain"))) {
            String text = new String(r.content(), StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                skipped.accept("warc.empty");
                return null;
            }
            return new Document(where, text, new Provenance(SourceKind.WET, file, id, url, null));
        }
        byte[] body;
        String bodyType;
        if (type.equals("response")) {
            if (!media.equals("application/http")) {
                skipped.accept("warc.not_http");
                return null;
            }
            HttpResponse http;
            try {
                http = HttpResponse.parse(r.content());
            } catch (IOException e) {
                skipped.accept("warc.not_http");
                return null;
            }
            if (http.status() != 200) {
                skipped.accept("http.status");
                return null;
            }
            String payload = http.mediaType();
            if (payload.isEmpty() && r.header("WARC-Identified-Payload-Type") != null)
                payload = r.header("WARC-Identified-Payload-Type").strip().toLowerCase(Locale.ROOT);
            if (!isHtml(payload)) {
                skipped.accept("http.not_html");
                return null;
            }
            body = http.body();
            bodyType = http.headers().get("content-type");
        } else {
            if (!isHtml(media)) {
                skipped.accept("http.not_html");
                return null;
            }
            body = r.content();
            bodyType = contentType;
        }
        Charset cs = HtmlCharset.detect(body, 0, body.length, bodyType);
        HtmlText.Extracted x = HtmlText.extract(new String(body, cs));
        if (x.text().isEmpty()) {
            skipped.accept("html.no_main_text");
            return null;
        }
        return new Document(where, x.text(), new Provenance(SourceKind.WARC, file, id, url, x.title()));
    }

    private static boolean isHtml(String media) {
        return media.equals("text/html") || media.equals("application/xhtml+xml");
    }

    @Override
    public void close() throws IOException { reader.close(); }
}
