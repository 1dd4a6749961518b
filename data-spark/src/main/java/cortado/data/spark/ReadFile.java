package cortado.data.spark;

import cortado.data.clean.Cleaner;
import cortado.data.clean.CleaningConfig;
import cortado.data.clean.ExactDeduplicator;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.ReadOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One input file as a stream of {@link DocRow}s, read with the data module's {@link DocumentReader} (text, JSONL,
 * Reddit, WARC/WET, MediaWiki XML, HTML: the file name picks the reader, as in {@code prepare}) and cleaned with its
 * {@link Cleaner} minus the corpus-wide dedup steps; the file's counts come last. Lazy, so memory is one document.
 */
final class ReadFile implements Iterator<DocRow> {
    private final DocumentReader reader;
    private final Cleaner cleaner;
    private final long fileBits;
    private final int exactBits;
    private long index;
    private boolean statsSent;

    ReadFile(String file, int fileIndex, ReadOptions read, CleaningConfig cleaning) {
        reader = new DocumentReader(List.of(Path.of(file)), read, w -> System.err.println("warning: " + w));
        // Dedup is decided over the whole corpus (group-by and components), not per file.
        cleaner = new Cleaner(cleaning.withExactDedup(0).withNearDup(null), null);
        fileBits = (long) fileIndex << DocRow.FILE_SHIFT;
        exactBits = cleaning.exactDedupBits();
    }

    @Override
    public boolean hasNext() { return !statsSent; }

    @Override
    public DocRow next() {
        if (statsSent) throw new NoSuchElementException();
        DocRow r = new DocRow();
        if (!reader.hasNext()) {
            try {
                reader.close();
                cleaner.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            r.input = reader.stats();
            r.cleaning = cleaner.report();
            statsSent = true;
            return r;
        }
        Document d = reader.next();
        r.id = fileBits | index++;
        r.provenance = d.provenance();
        r.chars = d.text().length();
        r.text = cleaner.clean(d.text());
        r.reason = cleaner.lastRemoval();
        if (r.text != null && exactBits != 0) {
            long[] h = ExactDeduplicator.key(r.text, exactBits);
            r.h0 = h[0];
            r.h1 = h[1];
        }
        return r;
    }
}
