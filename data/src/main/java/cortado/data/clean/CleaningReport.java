package cortado.data.clean;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** What cleaning did: documents in and out, removals per reason, characters, PII replacements. */
public final class CleaningReport implements java.io.Serializable {
    long documentsIn;
    long documentsOut;
    long charsIn;
    long charsOut;
    final Map<String, Long> removed = new TreeMap<>();
    long emails, phones, ips;
    long nearDupCandidates;
    /** Per normalization label: {documents changed, replacements}. */
    final Map<String, long[]> normalized = new LinkedHashMap<>();

    void remove(String reason) { removed.merge(reason, 1L, Long::sum); }

    /** A document counted as kept turned out removed by a corpus-wide step (exact or near dedup). */
    public void dropped(String reason, long chars) {
        documentsOut--;
        charsOut -= chars;
        remove(reason);
    }

    /** The distinct candidate pairs near dedup verified. */
    public void nearDupCandidates(long pairs) { nearDupCandidates = pairs; }

    /** Adds another part of the corpus's counts (a partition of a distributed run) to these. */
    public void merge(CleaningReport o) {
        documentsIn += o.documentsIn;
        documentsOut += o.documentsOut;
        charsIn += o.charsIn;
        charsOut += o.charsOut;
        o.removed.forEach((k, v) -> removed.merge(k, v, Long::sum));
        emails += o.emails;
        phones += o.phones;
        ips += o.ips;
        nearDupCandidates += o.nearDupCandidates;
        o.normalized.forEach((k, v) -> {
            long[] c = normalized.computeIfAbsent(k, x -> new long[2]);
            c[0] += v[0];
            c[1] += v[1];
        });
    }

    void normalized(NormalizationStep step, int replacements) {
        long[] c = normalized.computeIfAbsent(step.label(), k -> new long[2]);
        c[0]++;
        c[1] += replacements;
    }

    public long documentsIn() { return documentsIn; }

    public long documentsOut() { return documentsOut; }

    /** Removed documents per reason (e.g. {@code gopher.word_count}, {@code exact_duplicate}, {@code near_duplicate}). */
    public Map<String, Long> removed() { return Map.copyOf(removed); }

    public long removedTotal() { return removed.values().stream().mapToLong(Long::longValue).sum(); }

    /** The report as a JSON-ready map. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents_in", documentsIn);
        m.put("documents_out", documentsOut);
        m.put("chars_in", charsIn);
        m.put("chars_out", charsOut);
        m.put("removed", new LinkedHashMap<String, Object>(removed));
        Map<String, Object> pii = new LinkedHashMap<>();
        pii.put("emails", emails);
        pii.put("phones", phones);
        pii.put("ips", ips);
        m.put("pii_replaced", pii);
        m.put("near_dup_candidate_pairs", nearDupCandidates);
        if (!normalized.isEmpty()) {
            Map<String, Object> n = new LinkedHashMap<>();
            for (NormalizationStep step : NormalizationStep.values()) { // the steps' order, not the order first seen
                long[] v = normalized.get(step.label());
                if (v != null) {
                    Map<String, Object> r = new LinkedHashMap<>(); // not Map.of: its order changes between JVMs
                    r.put("documents", v[0]);
                    r.put("replacements", v[1]);
                    n.put(step.label(), r);
                }
            }
            m.put("normalized", n);
        }
        return m;
    }
}
