package cortado.data.spark;

import cortado.data.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * A synthetic mixed corpus for comparing the Spark job with {@code prepare}: per part, a JSONL file, a Reddit dump,
 * a gzipped WARC crawl (HTML pages, plus a request and a 404 that give no document), a MediaWiki dump (plus a redirect
 * and a talk page) and a plain-text file. Documents are random sentences over a small vocabulary with English stop
 * words (so Gopher's quality rules pass them), and the corpus plants what dedup must find across files and sources:
 * exact copies (case and spacing changed), near-duplicate chains A~B~C with A and C below the threshold, and short
 * documents the quality filter removes.
 *
 * <p>{@code java -cp cortado-data-spark.jar cortado.data.spark.CorpusGenerator DIR DOCS_PER_FILE PARTS [SEED]}
 */
public final class CorpusGenerator {
    private static final String[] STOP = {"the", "and", "of", "to", "that", "with", "is", "for", "on", "in"};
    private final SplittableRandom rnd;
    private final String[] vocab = new String[2000];
    private final List<String> written = new ArrayList<>();

    CorpusGenerator(long seed) {
        rnd = new SplittableRandom(seed);
        for (int i = 0; i < vocab.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 3 + rnd.nextInt(6); k > 0; k--) w.append((char) ('a' + rnd.nextInt(26)));
            vocab[i] = w.toString();
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("error: usage: CorpusGenerator DIR DOCS_PER_FILE PARTS [SEED]");
            System.exit(2);
        }
        write(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length > 3 ? Long.parseLong(args[3]) : 7);
    }

    /** Writes {@code parts} files of each kind with about {@code docs} documents each into {@code dir}. */
    public static void write(Path dir, int docs, int parts, long seed) throws IOException {
        Files.createDirectories(dir);
        CorpusGenerator g = new CorpusGenerator(seed);
        for (int p = 0; p < parts; p++) {
            String n = String.format("%03d", p);
            g.jsonl(dir.resolve("docs-" + n + ".jsonl"), docs);
            g.reddit(dir.resolve("RC_" + n + ".jsonl"), docs);
            g.warc(dir.resolve("crawl-" + n + ".warc.gz"), docs);
            g.wiki(dir.resolve("wiki-" + n + ".xml"), docs);
            g.text(dir.resolve("notes-" + n + ".txt"), docs);
        }
    }

    /** Words w[0..n) as one document, a full stop every 12 words. */
    private String words(String[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            b.append(w[i]);
            b.append(i % 12 == 11 ? ". " : " ");
        }
        return b.toString().strip() + ".";
    }

    private String[] fresh(int n) {
        String[] w = new String[n];
        for (int i = 0; i < n; i++) w[i] = rnd.nextInt(4) == 0 ? STOP[rnd.nextInt(STOP.length)] : vocab[rnd.nextInt(vocab.length)];
        return w;
    }

    private String[] mutate(String[] w, int from, int count) {
        String[] m = w.clone();
        for (int i = from; i < from + count && i < m.length; i++) m[i] = vocab[rnd.nextInt(vocab.length)] + "x";
        return m;
    }

    /** The next document: mostly fresh text, sometimes a planted copy, chain link or short reject. */
    private final List<String[]> chains = new ArrayList<>();

    private String next() {
        int roll = rnd.nextInt(100);
        String text;
        if (roll < 6 && !written.isEmpty()) { // exact copy of an earlier document, case and spacing changed
            String t = written.get(rnd.nextInt(written.size()));
            text = rnd.nextBoolean() ? t.toUpperCase(java.util.Locale.ROOT) : t.replace(" ", "  ");
        } else if (roll < 12) { // a near-duplicate chain: A, then B = A with its first 10 words changed, then C = B with its last 10
            if (!chains.isEmpty() && rnd.nextBoolean()) {
                String[] a = chains.remove(rnd.nextInt(chains.size()));
                String[] b = mutate(a, 0, 10);
                if (rnd.nextBoolean()) chains.add(mutate(b, b.length - 10, 10)); // C comes later, maybe in another file
                text = words(b);
            } else {
                String[] a = fresh(100);
                chains.add(a);
                text = words(a);
            }
        } else if (roll < 15) {
            text = words(fresh(5 + rnd.nextInt(20))); // too short for Gopher's 50 words
        } else {
            text = words(fresh(60 + rnd.nextInt(140)));
        }
        written.add(text);
        return text;
    }

    private void jsonl(Path f, int docs) throws IOException {
        try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            for (int i = 0; i < docs; i++) w.write(Json.write(Map.of("text", next())) + "\n");
            w.write("{\"text\": broken\n"); // malformed: skipped and counted
        }
    }

    private void reddit(Path f, int docs) throws IOException {
        try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            for (int i = 0; i < docs; i++) {
                String id = f.getFileName() + "-" + i;
                w.write(Json.write(Map.of("id", id, "body", next(), "permalink", "/r/test/comments/" + id + "/")) + "\n");
                if (i % 10 == 0) w.write(Json.write(Map.of("id", id + "d", "body", "[deleted]")) + "\n");
            }
        }
    }

    private void warc(Path f, int docs) throws IOException {
        try (OutputStream out = Files.newOutputStream(f)) {
            int n = 0;
            record(out, ++n, "request", "https://www.site0.example.com/", "application/http; msgtype=request",
                    "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < docs; i++) {
                String url = "https://www.site" + rnd.nextInt(7) + ".example.com/" + f.getFileName() + "/" + i;
                String html = "<html><head><title>Page " + i + "</title></head><body><nav><a href=/>Home</a>"
                        + " <a href=/news>News</a></nav><article><p>" + next() + "</p></article>"
                        + "<footer>&copy; 2026 Example</footer></body></html>";
                String status = i % 25 == 24 ? "HTTP/1.1 404 Not Found" : "HTTP/1.1 200 OK";
                byte[] body = html.getBytes(StandardCharsets.UTF_8);
                ByteArrayOutputStream block = new ByteArrayOutputStream();
                block.write((status + "\r\nContent-Type: text/html; charset=utf-8\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                block.write(body);
                record(out, ++n, "response", url, "application/http; msgtype=response", block.toByteArray());
            }
        }
    }

    /** One WARC record as its own gzip member, as Common Crawl ships them. */
    private static void record(OutputStream out, int n, String type, String url, String contentType, byte[] block)
            throws IOException {
        String h = "WARC/1.1\r\nWARC-Type: " + type + "\r\nWARC-Date: 2026-03-14T09:00:00Z\r\n"
                + "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-" + String.format("%012d", n) + ">\r\n"
                + "WARC-Target-URI: " + url + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + block.length
                + "\r\n\r\n";
        GZIPOutputStream gz = new GZIPOutputStream(new java.io.FilterOutputStream(out) {
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() throws IOException { flush(); }
        });
        gz.write(h.getBytes(StandardCharsets.UTF_8));
        gz.write(block);
        gz.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        gz.finish();
        gz.close();
    }

    private void wiki(Path f, int docs) throws IOException {
        try (Writer w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write("<mediawiki><siteinfo><base>https://en.wikipedia.org/wiki/Main_Page</base></siteinfo>\n");
            for (int i = 0; i < docs; i++) {
                String title = "Article " + f.getFileName() + " " + i;
                page(w, 3 * i, title, 0, "'''" + title + "''' " + next() + "<ref>A source.</ref> {{Infobox|x=1}}");
                if (i % 10 == 0) page(w, 3 * i + 1, title + " (redirect)", 0, "#REDIRECT [[" + title + "]]");
                if (i % 10 == 5) page(w, 3 * i + 2, "Talk:" + title, 1, "Is this right?");
            }
            w.write("</mediawiki>\n");
        }
    }

    private static void page(Writer w, int id, String title, int ns, String text) throws IOException {
        w.write("<page><title>" + title + "</title><ns>" + ns + "</ns><id>" + id + "</id><revision><text>"
                + text.replace("&", "&amp;").replace("<", "&lt;") + "</text></revision></page>\n");
    }

    private void text(Path f, int docs) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < docs; i++) b.append(next()).append("\n\n");
        Files.writeString(f, b, StandardCharsets.UTF_8);
    }
}
