package cortado.data.spark;

import cortado.data.clean.CleaningConfig;
import cortado.data.clean.CleaningReport;
import cortado.data.dataset.CoverageReport;
import cortado.data.dataset.PrepareConfig;
import cortado.data.dataset.PrepareJob;
import cortado.data.dataset.PrepareOutput;
import cortado.data.text.DocumentReader;
import cortado.data.text.InputStats;
import cortado.data.tokenizer.Tokenizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code prepare}'s pipeline on Spark, deciding exactly as {@link PrepareJob} does in one process:
 * <ol>
 *   <li>one partition per input file, read and cleaned (PII, normalization, quality filters) in mapPartitions with the
 *       data module's readers and {@link cortado.data.clean.Cleaner}; each document's id is its place in reading order;</li>
 *   <li>exact dedup as a group-by on the same content hash, keeping the lowest id of each group;</li>
 *   <li>near dedup by MinHash banding and connected components ({@link NearDuplicateEdges});</li>
 *   <li>tokenization in mapPartitions with the data module's tokenizers, on the partitions of step 1, which are still
 *       in document order;</li>
 *   <li>the driver takes the outcomes partition by partition in that order and writes the same shards, report.json
 *       and coverage report with {@link PrepareOutput}, the code {@code prepare} writes them with.</li>
 * </ol>
 * Shards are written by the driver, so their bytes equal {@code prepare}'s (blocks span documents); the driver holds
 * one partition's tokens at a time.
 */
public final class SparkPrepare {
    private SparkPrepare() {}

    /** Runs the job; returns the report also written to {@code report.json}. */
    public static Map<String, Object> run(SparkSession spark, PrepareConfig c, TokenizerSpec tokenizer,
                                          PrepareJob.Listener listener) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<String> files = DocumentReader.expand(c.inputs()).stream().map(Path::toString).toList();
        if (files.size() >= 1 << (63 - DocRow.FILE_SHIFT))
            throw new IllegalArgumentException("too many input files: " + files.size());
        long totalBytes = 0;
        for (String f : files) totalBytes += Files.size(Path.of(f));
        CleaningConfig cleaning = c.cleaning();
        var read = c.read();

        // 1. Read and clean, one partition per file, in reading order.
        JavaRDD<DocRow> rows = jsc.parallelize(IntStream.range(0, files.size()).boxed().toList(), Math.max(1, files.size()))
                .mapPartitions(ix -> new Iterator<DocRow>() { // the partition's files, one open at a time
                    Iterator<DocRow> file;

                    @Override
                    public boolean hasNext() {
                        while (file == null || !file.hasNext()) {
                            if (!ix.hasNext()) return false;
                            int i = ix.next();
                            file = new ReadFile(files.get(i), i, read, cleaning);
                        }
                        return true;
                    }

                    @Override
                    public DocRow next() {
                        if (!hasNext()) throw new java.util.NoSuchElementException();
                        return file.next();
                    }
                })
                .persist(StorageLevel.MEMORY_AND_DISK());
        InputStats input = new InputStats();
        CleaningReport report = new CleaningReport();
        for (DocRow s : rows.filter(DocRow::isStats).collect()) { // in file order
            input.merge(s.input);
            report.merge(s.cleaning);
        }
        JavaRDD<DocRow> docs = rows.filter(r -> !r.isStats());

        // 2. Exact dedup: group by the content hash, the lowest id stays.
        Map<Long, String> removed = new HashMap<>();
        if (cleaning.exactDedupBits() != 0) {
            List<Long> dups = docs.filter(DocRow::kept)
                    .mapToPair(r -> new scala.Tuple2<>(new scala.Tuple2<>(r.h0, r.h1), r.id))
                    .groupByKey()
                    .flatMap(g -> {
                        List<Long> ids = new ArrayList<>();
                        g._2().forEach(ids::add);
                        long keep = ids.stream().mapToLong(Long::longValue).min().orElseThrow();
                        ids.removeIf(id -> id == keep);
                        return ids.iterator();
                    })
                    .collect();
            for (Long id : dups) removed.put(id, "exact_duplicate");
        }

        // 3. Near dedup over the survivors of every other step.
        if (cleaning.nearDup() != null) {
            Broadcast<java.util.Set<Long>> exact = jsc.broadcast(new java.util.HashSet<>(removed.keySet()));
            NearDuplicateEdges.Result near = NearDuplicateEdges.find(
                    docs.filter(r -> r.kept() && !exact.value().contains(r.id)), cleaning.nearDup());
            for (Long id : near.removed()) removed.put(id, "near_duplicate");
            report.nearDupCandidates(near.candidatePairs());
        }

        // 4. Tokenize the kept documents where they are, still in document order.
        Broadcast<Map<Long, String>> dropped = jsc.broadcast(removed);
        double val = c.valFraction();
        long seed = c.seed();
        JavaRDD<Outcome> outcomes = docs.mapPartitions(it -> new Iterator<Outcome>() { // lazy: one document at a time
            Tokenizer tok; // one per task: tokenizers keep caches that are not shared between threads

            @Override
            public boolean hasNext() { return it.hasNext(); }

            @Override
            public Outcome next() {
                DocRow r = it.next();
                String why = r.kept() ? dropped.value().get(r.id) : r.reason;
                if (why != null) return new Outcome(r.provenance, r.chars, why, r.kept() ? r.text.length() : -1, null, 0, null);
                if (tok == null) tok = tokenizer.load();
                return new Outcome(r.provenance, r.chars, null, r.text.length(), CoverageReport.script(r.text),
                        PrepareOutput.split(r.text, val, seed), tok.encode(r.text));
            }
        }).persist(StorageLevel.MEMORY_AND_DISK());
        outcomes.count(); // tokenize every partition in parallel before the driver reads them one by one

        // 5. The driver writes, partition by partition in order.
        try (PrepareOutput out = new PrepareOutput(c, listener, totalBytes)) {
            Iterator<Outcome> it = outcomes.toLocalIterator();
            while (it.hasNext()) {
                Outcome o = it.next();
                if (o.kept()) {
                    out.kept(o.provenance(), o.chars(), o.cleanedChars(), o.script(), o.split(), o.ids());
                } else {
                    out.removed(o.provenance(), o.chars(), o.reason());
                    if (o.cleanedChars() >= 0) report.dropped(o.reason(), o.cleanedChars()); // a dedup removal
                }
            }
            Map<String, Object> r = out.finish(input, report);
            outcomes.unpersist();
            rows.unpersist();
            return r;
        }
    }
}
