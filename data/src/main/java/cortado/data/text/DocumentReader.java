package cortado.data.text;

import cortado.data.collect.HtmlFile;
import cortado.data.collect.Provenance;
import cortado.data.collect.RecordSource;
import cortado.data.collect.RedditRecord;
import cortado.data.collect.SourceKind;
import cortado.data.collect.WarcDocuments;
import cortado.data.collect.WikipediaDumpReader;
import cortado.data.json.Json;
import cortado.data.json.JsonException;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Streams documents from files and directories (walked recursively, in sorted order so runs are reproducible).
 * The kind of a file follows its name, before an optional {@code .gz}: {@code .jsonl}/{@code .ndjson} hold one
 * record per line ({@link JsonlText}, or a Reddit comment/submission, {@link RedditRecord}); {@code .warc} and
 * {@code .wet} (also Common Crawl's {@code .warc.wet}) are WARC files ({@link WarcDocuments}); an {@code .xml} file
 * whose root element is {@code <mediawiki>} is a MediaWiki dump ({@link WikipediaDumpReader}), other XML is text;
 * {@code .html}/{@code .htm} is one document of the page's main text ({@link HtmlFile});
 * {@code .bz2}, {@code .zst} (Pushshift's Reddit dumps) and {@code .xz} are refused with a hint (the JDK reads
 * none of them); every other file is plain text, cut into documents by
 * {@link TextSplit}. Hidden files (names starting with '.') inside directories are skipped. Memory is bounded by the
 * line and document limits (a WARC record is held whole up to the line limit, larger ones are skipped; a wiki page
 * is held whole, and MediaWiki caps a revision at 2 MiB), never by the size of a file. Every document carries its
 * {@link Provenance}.
 *
 * <p>A malformed JSONL line is reported to the warning sink as {@code file:line: problem} and skipped, or thrown as
 * {@link BadInputException} when {@link ReadOptions#failOnMalformed()} is set.
 */
public final class DocumentReader implements Iterator<Document>, Closeable {
    private final List<Path> files;
    private final ReadOptions options;
    private final Consumer<String> warnings;
    private final InputStats stats = new InputStats();
    private int fileIndex;
    private Path current;
    private boolean currentJsonl;
    private RecordSource records; // WARC, wiki dump or HTML file
    private Utf8LineReader reader;
    private long readerBytesCounted;
    private Document next;
    private String pendingLine; // a text line that did not fit into the previous document

    public DocumentReader(List<Path> inputs, ReadOptions options, Consumer<String> warnings) {
        this.files = expand(inputs);
        this.options = options;
        this.warnings = warnings;
    }

    /** The regular files the inputs name, directories walked recursively, each group in sorted order. */
    public static List<Path> expand(List<Path> inputs) {
        List<Path> out = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.walk(in)) {
                    s.filter(Files::isRegularFile)
                            .filter(p -> !in.relativize(p).toString().startsWith(".") && !p.getFileName().toString().startsWith("."))
                            .sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new BadInputException(in.toString(), "cannot list directory: " + e.getMessage());
                }
            } else if (Files.isRegularFile(in)) {
                out.add(in);
            } else {
                throw new BadInputException(in.toString(), "no such file or directory");
            }
        }
        return out;
    }

    public List<Path> files() { return files; }

    /** Total size of the input files on disk (compressed size for .gz), for progress. */
    public long totalBytes() {
        long t = 0;
        for (Path p : files) {
            try { t += Files.size(p); } catch (IOException e) { /* counted as 0; reading it will report the error */ }
        }
        return t;
    }

    public InputStats stats() { return stats; }

    @Override
    public boolean hasNext() {
        try {
            while (next == null) {
                if (reader == null && records == null && !openNext()) return false;
                next = records != null ? records.next() : currentJsonl ? nextJsonl() : nextText();
                if (next == null) closeCurrent();
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(current + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Document next() {
        if (!hasNext()) throw new NoSuchElementException();
        Document d = next;
        next = null;
        stats.documents++;
        return d;
    }

    private boolean openNext() throws IOException {
        if (fileIndex >= files.size()) return false;
        current = files.get(fileIndex++);
        String name = current.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        for (String[] c : new String[][] {{".bz2", "bzip2", "bunzip2"}, {".zst", "zstd", "zstd -d"}, {".xz", "xz", "unxz"}})
            if (name.endsWith(c[0]))
                throw new BadInputException(current.toString(), c[1] + " files cannot be read with the JDK alone;"
                        + " decompress it (" + c[2] + ") or recompress it with gzip");
        boolean gz = name.endsWith(".gz");
        if (gz) name = name.substring(0, name.length() - 3);
        currentJsonl = name.endsWith(".jsonl") || name.endsWith(".ndjson");
        boolean warc = name.endsWith(".warc") || name.endsWith(".wet");
        boolean wiki = name.endsWith(".xml") && WikipediaDumpReader.isDump(current, gz);
        boolean html = name.endsWith(".html") || name.endsWith(".htm");
        InputStream in;
        try {
            in = Files.newInputStream(current);
        } catch (NoSuchFileException e) {
            throw new BadInputException(current.toString(), "no such file");
        }
        in = new CountingInputStream(in);
        if (gz) in = new GZIPInputStream(new BufferedInputStream(in, 1 << 16), 1 << 16);
        stats.files++;
        if (warc || wiki || html) {
            String file = current.toString();
            try {
                records = warc ? new WarcDocuments(in, file, options.maxLineBytes(), stats::skip)
                        : html ? new HtmlFile(in, file, options.maxLineBytes(), stats::skip)
                        : new WikipediaDumpReader(in, file, stats::skip);
            } catch (RuntimeException | IOException e) {
                in.close();
                throw e;
            }
            return true;
        }
        int limit = currentJsonl ? options.maxLineBytes() : options.maxDocChars();
        reader = new Utf8LineReader(in, limit,
                currentJsonl ? Utf8LineReader.Overlong.SKIP : Utf8LineReader.Overlong.SPLIT);
        pendingLine = null;
        return true;
    }

    private void closeCurrent() throws IOException {
        if (records != null) {
            records.close();
            records = null;
            return;
        }
        stats.invalidUtf8Sequences += reader.invalidSequences();
        reader.close();
        reader = null;
    }

    private Document nextJsonl() throws IOException {
        while (true) {
            String line = reader.readLine();
            if (line == null) return null;
            String where = current + ":" + reader.lineNumber();
            if (reader.lastSkipped()) {
                stats.overlongLines++;
                malformed(where, "line longer than " + options.maxLineBytes() + " bytes");
                continue;
            }
            if (line.isBlank()) continue;
            String text;
            Provenance p = new Provenance(SourceKind.JSONL, current.toString(), Long.toString(reader.lineNumber()), null, null);
            try {
                Object record = Json.parse(line);
                if (record instanceof Map<?, ?> m && RedditRecord.matches(m)) {
                    RedditRecord.Result r = RedditRecord.of(m);
                    if (r.skipReason() != null) { stats.skip(r.skipReason()); continue; }
                    text = r.text();
                    p = new Provenance(SourceKind.REDDIT, current.toString(), r.id() != null ? r.id()
                            : Long.toString(reader.lineNumber()), r.url(), r.title());
                } else {
                    text = JsonlText.of(record);
                }
            } catch (JsonException e) {
                malformed(where, "invalid JSON: " + e.getMessage());
                continue;
            } catch (IllegalArgumentException e) {
                malformed(where, e.getMessage());
                continue;
            }
            if (text.isEmpty()) { stats.emptyDocuments++; continue; }
            return new Document(where, text, p);
        }
    }

    private void malformed(String where, String problem) {
        if (options.failOnMalformed()) throw new BadInputException(where, problem);
        stats.malformedLines++;
        warnings.accept(where + ": " + problem + " (skipped)");
    }

    private Document nextText() throws IOException {
        StringBuilder doc = new StringBuilder();
        long firstLine = -1;
        boolean lineOpen = false; // the previous piece was cut mid-line: the next piece continues it
        while (true) {
            String line;
            long lineNo;
            boolean endsLine;
            if (pendingLine != null) {
                line = pendingLine;
                pendingLine = null;
                lineNo = pendingLineNo;
                endsLine = pendingEndsLine;
            } else {
                line = reader.readLine();
                if (line == null) break;
                lineNo = reader.lineNumber();
                endsLine = reader.lastEndsLine();
            }
            switch (options.split()) {
                case LINE -> {
                    if (line.isBlank() && !lineOpen) continue;
                    if (doc.length() + line.length() > options.maxDocChars() && doc.length() > 0) {
                        keepPending(line, lineNo, endsLine);
                        return emit(doc, firstLine);
                    }
                    if (firstLine < 0) firstLine = lineNo;
                    doc.append(line);
                    lineOpen = !endsLine;
                    if (endsLine) return emit(doc, firstLine);
                }
                case PARAGRAPH, FILE -> {
                    if (options.split() == TextSplit.PARAGRAPH && line.isBlank() && !lineOpen) {
                        if (doc.length() > 0) return emit(doc, firstLine);
                        continue;
                    }
                    int add = line.length() + (endsLine ? 1 : 0);
                    if (doc.length() + add > options.maxDocChars() && doc.length() > 0) {
                        keepPending(line, lineNo, endsLine);
                        return emit(doc, firstLine);
                    }
                    if (firstLine < 0) firstLine = lineNo;
                    doc.append(line);
                    if (endsLine) doc.append('\n');
                    lineOpen = !endsLine;
                }
            }
        }
        return doc.length() == 0 ? null : emit(doc, firstLine);
    }

    private long pendingLineNo;
    private boolean pendingEndsLine;

    private void keepPending(String line, long lineNo, boolean endsLine) {
        pendingLine = line;
        pendingLineNo = lineNo;
        pendingEndsLine = endsLine;
    }

    private Document emit(StringBuilder doc, long firstLine) {
        String text = doc.toString();
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        return new Document(current + ":" + firstLine, text,
                new Provenance(SourceKind.TEXT, current.toString(), Long.toString(firstLine), null, null));
    }

    /** Bytes read from disk so far across all files. */
    public long bytesRead() { return stats.bytes; }

    @Override
    public void close() throws IOException {
        if (reader != null || records != null) closeCurrent();
    }

    /** Counts raw bytes as they come off disk, so progress is right for compressed files too. */
    private final class CountingInputStream extends java.io.FilterInputStream {
        CountingInputStream(InputStream in) { super(in); }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) stats.bytes++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) stats.bytes += n;
            return n;
        }
    }
}
