package cortado.data.collect;

import cortado.data.text.Document;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * A saved HTML page ({@code .html}, {@code .htm}) as one document of its main text ({@link HtmlText}), decoded by
 * its byte order mark or meta charset ({@link HtmlCharset}). A file over the size limit is skipped
 * ({@code html.oversized}) after reading at most the limit; one with no main text is skipped as
 * {@code html.no_main_text}.
 */
public final class HtmlFile implements RecordSource {
    private final InputStream in;
    private final String file;
    private final int maxBytes;
    private final Consumer<String> skipped;
    private boolean done;

    public HtmlFile(InputStream in, String file, int maxBytes, Consumer<String> skipped) {
        this.in = in;
        this.file = file;
        this.maxBytes = maxBytes;
        this.skipped = skipped;
    }

    @Override
    public Document next() throws IOException {
        if (done) return null;
        done = true;
        byte[] b = in.readNBytes(maxBytes + 1);
        if (b.length > maxBytes) {
            skipped.accept("html.oversized");
            return null;
        }
        HtmlText.Extracted x = HtmlText.extract(new String(b, HtmlCharset.detect(b, 0, b.length, null)));
        if (x.text().isEmpty()) {
            skipped.accept("html.no_main_text");
            return null;
        }
        return new Document(file, x.text(), new Provenance(SourceKind.HTML, file, null, null, x.title()));
    }

    @Override
    public void close() throws IOException { in.close(); }
}
