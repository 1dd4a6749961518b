package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the steps of a {@link CleaningConfig} over a stream of documents, one at a time, and counts what each did. */
public final class Cleaner implements Closeable {
    private final PiiScrubber pii;
    private final List<DocumentFilter> filters = new ArrayList<>();
    private ExactDeduplicator exact;
    private NearDuplicateDetector near;
    private final CleaningReport report = new CleaningReport();

    /** @param spillDir where near-dup signatures spill to disk */
    public Cleaner(CleaningConfig c, Path spillDir) {
        pii = c.piiScrub() ? new PiiScrubber() : null;
        if (c.quality() != null) filters.add(new GopherQualityFilter(c.quality()));
        if (c.repetition() != null) filters.add(new GopherRepetitionFilter(c.repetition()));
        if (c.blocklist() != null) filters.add(new BlocklistFilter(c.blocklist(), c.blocklistMinHits()));
        if (c.script() != null) filters.add(new ScriptFilter(c.script(), c.scriptMinShare(), c.scriptMinLetters()));
        exact = c.exactDedupBits() != 0 ? new ExactDeduplicator(c.exactDedupBits()) : null;
        near = c.nearDup() != null ? new NearDuplicateDetector(c.nearDup(), spillDir) : null;
    }

    /** The cleaned text of a document, or null when a step removed it (the reason is counted). Not after close. */
    public String clean(String text) {
        report.documentsIn++;
        report.charsIn += text.length();
        if (pii != null) text = pii.scrub(text);
        for (DocumentFilter f : filters) {
            String reason = f.reject(text);
            if (reason != null) {
                report.remove(reason);
                return null;
            }
        }
        if (exact != null && exact.isDuplicate(text)) {
            report.remove("exact_duplicate");
            return null;
        }
        if (near != null && near.checkAndAdd(text) != null) {
            report.remove("near_duplicate");
            return null;
        }
        report.documentsOut++;
        report.charsOut += text.length();
        return text;
    }

    public CleaningReport report() {
        if (pii != null) {
            report.emails = pii.emails();
            report.phones = pii.phones();
            report.ips = pii.ips();
        }
        if (near != null) report.nearDupCandidates = near.candidatesChecked();
        return report;
    }

    @Override
    public void close() throws IOException {
        report(); // keep the final counts
        // Drop the dedup indexes so their memory is free for what follows (the shuffle).
        exact = null;
        if (near != null) {
            near.close();
            near = null;
        }
    }
}
