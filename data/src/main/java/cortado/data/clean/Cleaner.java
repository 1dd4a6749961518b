package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the steps of a {@link CleaningConfig} over a stream of documents, one at a time, and counts what each did. */
public final class Cleaner implements Closeable {
    private final PiiScrubber pii;
    private final java.util.Set<NormalizationStep> normalize;
    private String lastRemoval;
    private final List<DocumentFilter> filters = new ArrayList<>();
    private ExactDeduplicator exact;
    private NearDuplicateDetector near;
    private final CleaningReport report = new CleaningReport();

    /** @param spillDir where near-dup signatures spill to disk */
    public Cleaner(CleaningConfig c, Path spillDir) {
        pii = c.piiScrub() ? new PiiScrubber() : null;
        normalize = c.normalize();
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
        lastRemoval = null;
        if (pii != null) text = pii.scrub(text);
        for (NormalizationStep n : normalize) {
            Edit e = n.apply(text);
            if (e.replacements() > 0) report.normalized(n, e.replacements());
            text = e.text();
        }
        for (DocumentFilter f : filters) {
            String reason = f.reject(text);
            if (reason != null) return removed(reason);
        }
        if (exact != null && exact.isDuplicate(text)) return removed("exact_duplicate");
        if (near != null && near.checkAndAdd(text) != null) return removed("near_duplicate");
        report.documentsOut++;
        report.charsOut += text.length();
        return text;
    }

    private String removed(String reason) {
        report.remove(reason);
        lastRemoval = reason;
        return null;
    }

    /** Why the last document given to {@link #clean} was removed, or null when it was kept. */
    public String lastRemoval() { return lastRemoval; }

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
