package cortado.data.dataset;

import cortado.data.clean.CleaningReport;
import cortado.data.clean.Hashing;
import cortado.data.collect.Provenance;
import cortado.data.json.Json;
import cortado.data.text.InputStats;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The back half of {@code prepare}, shared by the in-process {@link PrepareJob} and the Spark job: takes every
 * document's decision in document order (counted in the {@link CoverageReport}) and the kept documents' tokens, (shuffles,) cuts them into blocks and writes the shards, then
 * {@code report.json} and the {@link CoverageReport}. Shards go to a staging directory inside the output directory and
 * are moved into place only by {@link #finish}, replacing the shards of an earlier run.
 */
public final class PrepareOutput implements Closeable {
    static final String[] NAMES = {"train", "val"};

    private final PrepareConfig c;
    private final PrepareJob.Listener listener;
    private final Path staging;
    private final int width;
    private final BlockWriter[] blocks = new BlockWriter[2];
    private final ExternalShuffle[] shuffles = new ExternalShuffle[2];
    private final long[] docs = new long[2];
    private final CoverageReport coverage = new CoverageReport();
    private final java.io.Writer metrics;
    private final long t0 = System.nanoTime();
    private long metricsAt;
    private boolean finished;

    /** @param totalBytes the inputs' size on disk, which sizes the shuffle buckets */
    public PrepareOutput(PrepareConfig config, PrepareJob.Listener listener, long totalBytes) throws IOException {
        this.c = config;
        this.listener = listener;
        Files.createDirectories(c.outDir());
        metrics = Files.newBufferedWriter(c.outDir().resolve("metrics.jsonl"), StandardCharsets.UTF_8);
        staging = c.outDir().resolve(".prepare-staging");
        deleteTree(staging);
        Files.createDirectories(staging);
        int vocab = c.tokenizer().vocabSize();
        width = ShardFormat.bytesPerToken(vocab);
        int eot = c.tokenizer().endOfTextId();
        if (eot < 0 && c.chunking() == Chunking.CONCAT)
            listener.warning("tokenizer has no end-of-text token: documents are concatenated without a separator");
        for (int s = 0; s < 2; s++) {
            blocks[s] = new BlockWriter(new ShardedTokenWriter(staging, NAMES[s], c.format(), width, c.shardTokens()),
                    c.chunking(), c.seq(), eot);
            if (c.shuffle()) {
                // Tokens on disk are at most one per input byte for byte-level tokenizers, fewer for others.
                long estimate = (long) (totalBytes * (s == 0 ? 1 - c.valFraction() : c.valFraction()) * width * 1.1);
                shuffles[s] = new ExternalShuffle(staging, NAMES[s],
                        ExternalShuffle.bucketsFor(estimate, c.shuffleBucketBytes()), width,
                        2 * c.shuffleBucketBytes(), c.seed() + s);
            }
        }
    }

    /** Scratch space that {@link #close} removes (spill files of the dedup indexes go here). */
    public Path staging() { return staging; }

    /** 0 (train) or 1 (validation): a seeded 64-bit hash of the cleaned text, stable across runs and machines. */
    public static int split(String text, double valFraction, long seed) {
        if (valFraction <= 0) return 0;
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        long h = Hashing.murmur3x64_128(b, 0, b.length, seed)[0];
        return (h >>> 11) * 0x1.0p-53 < valFraction ? 1 : 0;
    }

    /** The next document, removed by {@code reason}: counted in the coverage report and told to the listener. */
    public void removed(Provenance p, long chars, String reason) {
        coverage.add(p, chars, -1, null, reason);
        listener.document(p, reason);
    }

    /**
     * The next document, kept: {@code chars} as read, {@code keptChars} and {@code script} ({@link CoverageReport#script})
     * of its cleaned text, its split and tokens.
     */
    public void kept(Provenance p, long chars, long keptChars, String script, int split, int[] ids) throws IOException {
        coverage.add(p, chars, keptChars, script, null);
        listener.document(p, null);
        add(split, ids);
    }

    private void add(int split, int[] ids) throws IOException {
        docs[split]++;
        if (c.shuffle()) shuffles[split].add(ids);
        else blocks[split].add(ids);
    }

    /** Forwards progress to the listener and appends a metrics.jsonl line at most every 5 s (and when forced). */
    public void progress(String phase, long done, long total, long in, long out, boolean force) throws IOException {
        listener.progress(phase, done, total, in, out);
        long now = System.nanoTime();
        if (!force && now - metricsAt < 5_000_000_000L) return;
        metricsAt = now;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("elapsed_s", Math.round((now - t0) / 1e6) / 1e3);
        m.put("phase", phase);
        m.put(phase.equals("read") ? "bytes" : "buckets", done);
        m.put(phase.equals("read") ? "total_bytes" : "total_buckets", total);
        m.put("documents_in", in);
        m.put("documents_out", out);
        metrics.write(Json.write(m) + "\n");
        metrics.flush();
    }

    /** Drains the shuffle, publishes the shards and writes report.json (and the coverage report); returns the report. */
    public Map<String, Object> finish(InputStats in, CleaningReport cr) throws IOException {
        if (c.shuffle()) {
            long total = shuffles[0].buckets() + shuffles[1].buckets();
            long[] done = {0};
            for (int s = 0; s < 2; s++) {
                BlockWriter bw = blocks[s];
                shuffles[s].drain(bw::add, () -> {
                    try {
                        progress("shuffle", ++done[0], total, cr.documentsIn(), cr.documentsOut(), done[0] == total);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
        for (BlockWriter bw : blocks) {
            bw.finish();
            bw.close();
        }

        // Publish: replace the previous run's shards with the new ones.
        deleteShards(c.outDir());
        Map<String, Object> splits = new LinkedHashMap<>();
        for (int s = 0; s < 2; s++) {
            List<String> shardNames = new ArrayList<>();
            for (Path p : blocks[s].output().shards()) {
                Files.move(p, c.outDir().resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
                shardNames.add(p.getFileName().toString());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("documents", docs[s]);
            m.put("tokens", blocks[s].output().tokens());
            m.put("blocks", blocks[s].blocks());
            m.put("padding_tokens", blocks[s].paddingTokens());
            m.put("dropped_tail_tokens", blocks[s].droppedTokens());
            m.put("shards", shardNames);
            if (c.shuffle()) m.put("shuffle_buckets", shuffles[s].buckets());
            splits.put(NAMES[s], m);
        }
        finished = true;

        Map<String, Object> input = new LinkedHashMap<>();
        input.put("paths", c.inputs().stream().map(Path::toString).toList());
        input.put("files", in.files());
        input.put("bytes", in.bytes());
        input.put("documents", in.documents());
        input.put("invalid_utf8_replaced", in.invalidUtf8Sequences());
        input.put("malformed_lines_skipped", in.malformedLines());
        input.put("overlong_lines_skipped", in.overlongLines());
        input.put("empty_documents_skipped", in.emptyDocuments());
        input.put("skipped_records", new LinkedHashMap<String, Object>(new java.util.TreeMap<>(in.skippedRecords())));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("documents_in", cr.documentsIn());
        report.put("documents_out", cr.documentsOut());
        report.put("removed", cr.toJson().get("removed"));
        report.put("input", input);
        Map<String, Object> cleaning = cr.toJson();
        cleaning.put("steps", c.cleaning().activeSteps());
        if (c.cleaning().nearDup() != null) {
            var m = c.cleaning().nearDup();
            Map<String, Object> near = new LinkedHashMap<>(); // not Map.of: its order changes from one JVM to the next
            near.put("threshold", m.threshold());
            near.put("shingle_size", m.shingleSize());
            near.put("permutations", m.numPerm());
            near.put("bands", m.bands());
            near.put("rows", m.rows());
            near.put("verification", m.verification().name().toLowerCase());
            cleaning.put("near_dup", near);
        }
        report.put("cleaning", cleaning);
        int vocab = c.tokenizer().vocabSize();
        Map<String, Object> tok = new LinkedHashMap<>();
        tok.put("name", c.tokenizerName());
        tok.put("vocab_size", vocab);
        tok.put("end_of_text_id", c.tokenizer().endOfTextId());
        report.put("tokenizer", tok);
        report.put("vocab_size", vocab);
        report.put("format", c.format().name().toLowerCase());
        report.put("dtype", width == 2 ? "uint16" : "uint32");
        report.put("seq", c.seq());
        report.put("chunking", c.chunking().name().toLowerCase());
        report.put("val_fraction", c.valFraction());
        report.put("shuffle", c.shuffle());
        report.put("seed", c.seed());
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("train", blocks[0].output().tokens());
        tokens.put("val", blocks[1].output().tokens());
        report.put("tokens", tokens);
        report.put("splits", splits);
        if (c.coverage() || coverage.hasCollectedSources()) {
            coverage.skippedRecords(in.skippedRecords());
            report.put("coverage", coverage.write(c.outDir()));
        } else {
            for (String f : CoverageReport.FILES) Files.deleteIfExists(c.outDir().resolve(f)); // an earlier run's
        }
        report.put("seconds", (System.nanoTime() - t0) / 1e9);
        writeAtomically(c.outDir().resolve("report.json"), Json.write(report) + "\n");
        return report;
    }

    /** Removes the staging directory, and the unpublished shards when {@link #finish} did not run. */
    @Override
    public void close() throws IOException {
        try {
            for (int s = 0; s < 2; s++) {
                if (shuffles[s] != null) shuffles[s].close();
                if (!finished && blocks[s] != null) blocks[s].output().abort();
            }
            deleteTree(staging);
        } finally {
            metrics.close();
        }
    }

    private static void deleteShards(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "{train,val}_[0-9][0-9][0-9][0-9][0-9][0-9].bin")) {
            for (Path p : ds) Files.delete(p);
        }
    }

    static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
