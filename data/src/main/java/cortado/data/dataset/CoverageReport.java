package cortado.data.dataset;

import cortado.data.clean.ScriptFilter;
import cortado.data.collect.Provenance;
import cortado.data.collect.SourceKind;
import cortado.data.json.Json;
import cortado.data.text.Document;

import java.io.IOException;
import java.lang.Character.UnicodeScript;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a prepared corpus holds, per source kind and in total, so a user can see it and balance it: documents in and
 * kept, the share removed by each filter, and over the kept documents their scripts (the dominant Unicode script of
 * each, {@link ScriptFilter#dominantScript}, standing in for language identification), their domains (the host of
 * the WARC target URI, page URL or permalink) and their lengths in characters. Written as {@code coverage.json},
 * {@code coverage.md} and four PNG charts.
 *
 * <p>Memory: a few counters per source, and one counter per distinct domain up to {@value #MAX_DOMAINS} per source;
 * domains seen after that are counted together as {@code (other)}.
 */
public final class CoverageReport {
    static final int MAX_DOMAINS = 100_000;
    /** Lower edges of the length buckets, in characters: roughly three per decade. */
    static final long[] LENGTH_EDGES = {0, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000};
    static final String NO_LETTERS = "(no letters)", NO_DOMAIN = "(none)", OTHER = "(other)";

    private static final class Counts {
        long in, out, charsIn, charsOut;
        final Map<String, Long> removed = new TreeMap<>();
        final Map<String, Long> scripts = new TreeMap<>();
        final Map<String, Long> domains = new TreeMap<>();
        final long[] lengths = new long[LENGTH_EDGES.length];

        void add(long chars, long keptChars, String script, String reason, String domain) {
            in++;
            charsIn += chars;
            if (keptChars < 0) {
                removed.merge(reason == null ? "unknown" : reason, 1L, Long::sum);
                return;
            }
            out++;
            charsOut += keptChars;
            scripts.merge(script, 1L, Long::sum);
            String d = domain == null ? NO_DOMAIN : domain;
            if (!domains.containsKey(d) && domains.size() >= MAX_DOMAINS) d = OTHER;
            domains.merge(d, 1L, Long::sum);
            lengths[bucket(keptChars)]++;
        }
    }

    private final Map<SourceKind, Counts> bySource = new EnumMap<>(SourceKind.class);
    private final Counts all = new Counts();
    private Map<String, Long> skippedRecords = Map.of();

    /** Counts one document: {@code kept} is its cleaned text, or null when {@code reason} removed it. */
    public void add(Document d, String kept, String reason) {
        add(d.provenance(), d.text().length(), kept == null ? -1 : kept.length(), kept == null ? null : script(kept), reason);
    }

    /**
     * Counts one document from what the report needs of it (so a distributed job sends no text to the driver):
     * {@code keptChars} is -1 when {@code reason} removed it, {@code script} is {@link #script} of the kept text.
     */
    public void add(Provenance p, long chars, long keptChars, String script, String reason) {
        String domain = p.domain();
        bySource.computeIfAbsent(p.kind(), k -> new Counts()).add(chars, keptChars, script, reason, domain);
        all.add(chars, keptChars, script, reason, domain);
    }

    /** The label of a kept text's dominant script, as the report counts it. */
    public static String script(String kept) {
        UnicodeScript s = ScriptFilter.dominantScript(kept);
        return s == null ? NO_LETTERS : s.name().toLowerCase(Locale.ROOT);
    }

    /** Input records that gave no document (WARC requests, redirects, deleted comments ...), from the reader. */
    public void skippedRecords(Map<String, Long> skipped) { skippedRecords = new TreeMap<>(skipped); }

    /** Whether any document came from a crawl or dump source (not plain text or JSONL). */
    public boolean hasCollectedSources() {
        for (SourceKind k : bySource.keySet()) if (k != SourceKind.TEXT && k != SourceKind.JSONL) return true;
        return false;
    }

    static int bucket(long chars) {
        int b = 0;
        while (b + 1 < LENGTH_EDGES.length && chars >= LENGTH_EDGES[b + 1]) b++;
        return b;
    }

    static String bucketLabel(int b) {
        return b + 1 < LENGTH_EDGES.length ? LENGTH_EDGES[b] + "-" + (LENGTH_EDGES[b + 1] - 1) : LENGTH_EDGES[b] + "+";
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("all", json(all));
        Map<String, Object> s = new LinkedHashMap<>();
        bySource.forEach((k, c) -> s.put(k.label(), json(c)));
        m.put("sources", s);
        m.put("skipped_records", new LinkedHashMap<String, Object>(skippedRecords));
        m.put("length_buckets", java.util.stream.IntStream.range(0, LENGTH_EDGES.length).mapToObj(CoverageReport::bucketLabel).toList());
        return m;
    }

    private static Map<String, Object> json(Counts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents_in", c.in);
        m.put("documents_out", c.out);
        m.put("chars_in", c.charsIn);
        m.put("chars_out", c.charsOut);
        Map<String, Object> removed = new LinkedHashMap<>();
        c.removed.forEach((k, v) -> {
            Map<String, Object> r = new LinkedHashMap<>(); // not Map.of: its order changes from one JVM to the next
            r.put("documents", v);
            r.put("share", share(v, c.in));
            removed.put(k, r);
        });
        m.put("removed", removed);
        m.put("scripts", sortedByCount(c.scripts));
        m.put("domains", sortedByCount(c.domains));
        Map<String, Object> lengths = new LinkedHashMap<>();
        for (int b = 0; b < c.lengths.length; b++) lengths.put(bucketLabel(b), c.lengths[b]);
        m.put("lengths", lengths);
        return m;
    }

    private static double share(long part, long whole) { return whole == 0 ? 0 : Math.round(1e6 * part / whole) / 1e6; }

    /** Largest count first, then by name: the order tables and charts show. */
    private static Map<String, Object> sortedByCount(Map<String, Long> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : topKeys(m, Integer.MAX_VALUE)) out.put(k, m.get(k));
        return out;
    }

    public String toMarkdown() {
        StringBuilder b = new StringBuilder("# Corpus coverage\n\n");
        b.append("Per source: documents read and kept, the share each filter removed, and the kept documents' scripts,"
                + " domains and lengths. Scripts are the dominant Unicode script of each document, a stand-in for its"
                + " language.\n\n");
        b.append("| source | documents in | kept | removed | characters kept |\n|---|---:|---:|---:|---:|\n");
        bySource.forEach((k, c) -> b.append(row(k.label(), c)));
        b.append(row("**all**", all)).append('\n');
        b.append("## Removed, by filter (share of the source's documents)\n\n");
        List<String> reasons = new ArrayList<>(all.removed.keySet());
        if (reasons.isEmpty()) b.append("Nothing was removed.\n\n");
        else {
            b.append("| filter |");
            bySource.keySet().forEach(k -> b.append(' ').append(k.label()).append(" |"));
            b.append(" all |\n|---|");
            bySource.keySet().forEach(k -> b.append("---:|"));
            b.append("---:|\n");
            for (String r : reasons) {
                b.append("| ").append(r).append(" |");
                for (Counts c : bySource.values()) b.append(' ').append(cell(c.removed.getOrDefault(r, 0L), c.in)).append(" |");
                b.append(' ').append(cell(all.removed.getOrDefault(r, 0L), all.in)).append(" |\n");
            }
            b.append('\n');
        }
        table(b, "Scripts of kept documents", "script", c -> c.scripts, Integer.MAX_VALUE);
        table(b, "Domains of kept documents (top 20)", "domain", c -> c.domains, 20);
        b.append("## Lengths of kept documents (characters)\n\n| length |");
        bySource.keySet().forEach(k -> b.append(' ').append(k.label()).append(" |"));
        b.append(" all |\n|---|");
        bySource.keySet().forEach(k -> b.append("---:|"));
        b.append("---:|\n");
        for (int i = 0; i < LENGTH_EDGES.length; i++) {
            b.append("| ").append(bucketLabel(i)).append(" |");
            for (Counts c : bySource.values()) b.append(' ').append(c.lengths[i]).append(" |");
            b.append(' ').append(all.lengths[i]).append(" |\n");
        }
        b.append('\n');
        if (!skippedRecords.isEmpty()) {
            b.append("## Input records that gave no document\n\n| reason | records |\n|---|---:|\n");
            skippedRecords.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            b.append('\n');
        }
        b.append("![scripts](coverage-scripts.png)\n![domains](coverage-domains.png)\n"
                + "![lengths](coverage-lengths.png)\n![removed](coverage-removed.png)\n");
        return b.toString();
    }

    private static String row(String label, Counts c) {
        return "| " + label + " | " + c.in + " | " + c.out + " | " + (c.in - c.out) + " | " + c.charsOut + " |\n";
    }

    private static String cell(long n, long of) {
        return n == 0 ? "0" : String.format(Locale.ROOT, "%d (%.1f%%)", n, 100.0 * n / of);
    }

    private void table(StringBuilder b, String title, String what, java.util.function.Function<Counts, Map<String, Long>> f, int top) {
        b.append("## ").append(title).append("\n\n| ").append(what).append(" |");
        bySource.keySet().forEach(k -> b.append(' ').append(k.label()).append(" |"));
        b.append(" all |\n|---|");
        bySource.keySet().forEach(k -> b.append("---:|"));
        b.append("---:|\n");
        for (String key : topKeys(f.apply(all), top)) {
            b.append("| ").append(key).append(" |");
            for (Counts c : bySource.values()) b.append(' ').append(f.apply(c).getOrDefault(key, 0L)).append(" |");
            b.append(' ').append(f.apply(all).get(key)).append(" |\n");
        }
        b.append('\n');
    }

    /** The {@code top} keys with the largest counts, ties by name. */
    private static List<String> topKeys(Map<String, Long> m, int top) {
        return m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(top).map(Map.Entry::getKey).toList();
    }

    /** Writes coverage.json, coverage.md and the charts into {@code dir}; returns the file names. */
    public List<String> write(Path dir) throws IOException {
        PrepareOutput.writeAtomically(dir.resolve("coverage.json"), Json.write(toJson()) + "\n");
        PrepareOutput.writeAtomically(dir.resolve("coverage.md"), toMarkdown());
        List<String> series = bySource.keySet().stream().map(SourceKind::label).toList();
        List<Counts> cs = new ArrayList<>(bySource.values());
        chart(dir.resolve("coverage-scripts.png"), "Scripts of kept documents", "", topKeys(all.scripts, 15), series,
                (c, k) -> c.scripts.getOrDefault(k, 0L), cs);
        chart(dir.resolve("coverage-domains.png"), "Domains of kept documents (top 20)", "", topKeys(all.domains, 20),
                series, (c, k) -> c.domains.getOrDefault(k, 0L), cs);
        List<String> buckets = java.util.stream.IntStream.range(0, LENGTH_EDGES.length).mapToObj(CoverageReport::bucketLabel).toList();
        chart(dir.resolve("coverage-lengths.png"), "Lengths of kept documents (characters)", "", buckets, series,
                (c, k) -> c.lengths[buckets.indexOf(k)], cs);
        chart(dir.resolve("coverage-removed.png"), "Removed by each filter (% of the source's documents)", "%",
                new ArrayList<>(all.removed.keySet()), series,
                (c, k) -> c.in == 0 ? 0 : 100.0 * c.removed.getOrDefault(k, 0L) / c.in, cs);
        return FILES;
    }

    /** The files {@link #write} writes. */
    public static final List<String> FILES = List.of("coverage.json", "coverage.md", "coverage-scripts.png",
            "coverage-domains.png", "coverage-lengths.png", "coverage-removed.png");

    private static void chart(Path file, String title, String unit, List<String> categories, List<String> series,
                              java.util.function.BiFunction<Counts, String, Number> value, List<Counts> cs) throws IOException {
        double[][] v = new double[series.size()][categories.size()];
        for (int s = 0; s < series.size(); s++)
            for (int c = 0; c < categories.size(); c++) v[s][c] = value.apply(cs.get(s), categories.get(c)).doubleValue();
        new BarChart(title, unit, categories, series, v).write(file);
    }
}
