package cortado.data.clean;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the steps of a {@link CleaningConfig} over a stream of documents, one at a time, and counts what each did.
 * Near-duplicate removal is decided over the whole corpus ({@link NearDuplicateComponents}): {@link #clean} returns
 * the documents that survive every other step and indexes them; after the last one, {@link #nearDuplicates} names
 * those (by the order clean returned them) that are near duplicates and counts them as removed.
 */
public final class Cleaner implements Closeable {
    private final PiiScrubber pii;
    private final java.util.Set<NormalizationStep> normalize;
    private String lastRemoval;
    private final List<DocumentFilter> filters = new ArrayList<>();
    private ExactDeduplicator exact;
    private NearDuplicateComponents near;
    private int[] nearChars = new int[0]; // length of each indexed text, to uncount the removed ones
    private java.util.BitSet nearRemoved;
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
        near = c.nearDup() != null ? new NearDuplicateComponents(c.nearDup(), spillDir) : null;
    }

    /**
     * The cleaned text of a document, or null when a step removed it (the reason is counted). With near dedup on, a
     * returned text may still turn out a near duplicate ({@link #nearDuplicates}). Not after close.
     */
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
        report.documentsOut++;
        report.charsOut += text.length();
        if (near != null) {
            int id = near.add(text);
            if (id == nearChars.length) nearChars = java.util.Arrays.copyOf(nearChars, Math.max(1024, 2 * id));
            nearChars[id] = text.length();
        }
        return text;
    }

    private String removed(String reason) {
        report.remove(reason);
        lastRemoval = reason;
        return null;
    }

    /** Whether near dedup is on, so kept documents must wait for {@link #nearDuplicates}. */
    public boolean defersNearDuplicates() { return near != null; }

    /**
     * The near duplicates among the texts {@link #clean} returned, by their index in that sequence, counted as
     * removed ({@code near_duplicate}); call once, after the last document.
     */
    public java.util.BitSet nearDuplicates() {
        if (near == null) throw new IllegalStateException("near dedup is off");
        if (nearRemoved != null) return nearRemoved;
        nearRemoved = near.removed();
        for (int i = nearRemoved.nextSetBit(0); i >= 0; i = nearRemoved.nextSetBit(i + 1))
            report.dropped("near_duplicate", nearChars[i]);
        report.nearDupCandidates = near.candidatePairs();
        return nearRemoved;
    }

    /** Why the last document given to {@link #clean} was removed, or null when it was kept. */
    public String lastRemoval() { return lastRemoval; }

    public CleaningReport report() {
        if (pii != null) {
            report.emails = pii.emails();
            report.phones = pii.phones();
            report.ips = pii.ips();
        }
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
