package cortado.data.dataset;

import cortado.data.clean.Cleaner;
import cortado.data.clean.CleaningReport;
import cortado.data.collect.Provenance;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.InputStats;

import java.io.IOException;
import java.util.BitSet;
import java.util.Map;

/**
 * Raw text to token shards in one streaming pass: read, clean, tokenize, split, (shuffle), chunk, write; then
 * {@code report.json} (and the {@link CoverageReport} when the inputs include crawls or dumps, or when asked). With
 * near dedup on, every document's outcome waits in a staging file (in order) until the near-duplicate
 * components of the whole corpus are known ({@link cortado.data.clean.NearDuplicateComponents}), then go on in order.
 * Progress goes to the listener and, every few seconds, as a line to {@code metrics.jsonl}. Shards are written to a staging directory inside the output directory and moved into place only
 * when everything succeeded, replacing the shards of an earlier run.
 *
 * <p>Memory does not grow with the input except for the deduplication indexes (32 to 64 bytes per distinct document for exact dedup,
 * 4 bytes per band per document reaching near dedup, 84 bytes with 21 bands, and up to 32 per candidate pair); everything else is bounded by one document, one shuffle
 * bucket and fixed buffers.
 */
public final class PrepareJob {
    /** Receives progress (throttled by the caller) and warnings. */
    public interface Listener {
        /** {@code phase} is "read" (done/total in input bytes) or "shuffle" (done/total in buckets). */
        void progress(String phase, long done, long total, long documentsIn, long documentsOut);

        void warning(String message);

        /** Each document's decision, in document order: {@code reason} is null when it was kept. */
        default void document(Provenance provenance, String reason) {}
    }

    private final PrepareConfig c;
    private final Listener listener;

    public PrepareJob(PrepareConfig config, Listener listener) {
        this.c = config;
        this.listener = listener;
    }

    /** Runs the job; returns the report that was also written to {@code report.json}. */
    public Map<String, Object> run() throws IOException {
        try (DocumentReader reader = new DocumentReader(c.inputs(), c.read(), listener::warning);
             PrepareOutput out = new PrepareOutput(c, listener, reader.totalBytes());
             Cleaner cleaner = new Cleaner(c.cleaning(), out.staging());
             PendingDocuments pending = cleaner.defersNearDuplicates() ? new PendingDocuments(out.staging()) : null) {
            long totalBytes = reader.totalBytes();
            long lastReport = 0;
            while (reader.hasNext()) {
                Document d = reader.next();
                String text = cleaner.clean(d.text());
                if (pending != null) pending.add(d.provenance(), d.text().length(), text, cleaner.lastRemoval());
                else if (text == null) out.removed(d.provenance(), d.text().length(), cleaner.lastRemoval());
                else keep(out, d.provenance(), d.text().length(), text);
                long now = System.nanoTime();
                if (now - lastReport > 200_000_000L) {
                    lastReport = now;
                    out.progress("read", reader.bytesRead(), totalBytes, cleaner.report().documentsIn(),
                            cleaner.report().documentsOut(), false);
                }
            }
            if (pending != null) {
                // Near duplicates are known only now: the survivors wait in the staging file, in order.
                BitSet near = cleaner.nearDuplicates();
                int[] survivor = {0}; // near dedup's ids count the survivors of the other steps
                pending.replay((p, chars, text, reason) -> {
                    if (text == null) out.removed(p, chars, reason);
                    else if (near.get(survivor[0]++)) out.removed(p, chars, "near_duplicate");
                    else keep(out, p, chars, text);
                });
            }
            out.progress("read", reader.bytesRead(), totalBytes, cleaner.report().documentsIn(),
                    cleaner.report().documentsOut(), true);
            InputStats in = reader.stats();
            CleaningReport cr = cleaner.report();
            cleaner.close(); // frees the dedup indexes before the shuffle needs memory
            return out.finish(in, cr);
        }
    }

    private void keep(PrepareOutput out, Provenance p, long chars, String text) throws IOException {
        out.kept(p, chars, text.length(), CoverageReport.script(text), PrepareOutput.split(text, c.valFraction(), c.seed()),
                c.tokenizer().encode(text));
    }
}
