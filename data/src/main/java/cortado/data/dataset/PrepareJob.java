package cortado.data.dataset;

import cortado.data.clean.Cleaner;
import cortado.data.clean.CleaningReport;
import cortado.data.clean.Hashing;
import cortado.data.json.Json;
import cortado.data.text.Document;
import cortado.data.text.DocumentReader;
import cortado.data.text.InputStats;

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
 * Raw text to token shards in one streaming pass: read, clean, tokenize, split, (shuffle), chunk, write; then
 * {@code report.json} (and the {@link CoverageReport} when the inputs include crawls or dumps, or when asked).
 * Progress goes to the listener and, every few seconds, as a line to {@code metrics.jsonl}. Shards are written to a staging directory inside the output directory and moved into place only
 * when everything succeeded, replacing the shards of an earlier run.
 *
 * <p>Memory does not grow with the input except for the deduplication indexes (32 to 64 bytes per distinct document for exact dedup,
 * 11 to 21 bytes per band per kept document for near dedup, 230 to 450 bytes with 21 bands); everything else is bounded by one document, one shuffle
 * bucket and fixed buffers.
 */
public final class PrepareJob {
    /** Receives progress (throttled by the caller) and warnings. */
    public interface Listener {
        /** {@code phase} is "read" (done/total in input bytes) or "shuffle" (done/total in buckets). */
        void progress(String phase, long done, long total, long documentsIn, long documentsOut);

        void warning(String message);
    }

    private final PrepareConfig c;
    private final Listener listener;
    private java.io.Writer metrics;
    private long metricsAt;
    private long t0;

    public PrepareJob(PrepareConfig config, Listener listener) {
        this.c = config;
        this.listener = listener;
    }

    /** Forwards progress to the listener and appends a metrics.jsonl line at most every 5 s (and when forced). */
    private void progress(String phase, long done, long total, long in, long out, boolean force) throws IOException {
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

    /** Runs the job; returns the report that was also written to {@code report.json}. */
    public Map<String, Object> run() throws IOException {
        t0 = System.nanoTime();
        Files.createDirectories(c.outDir());
        metrics = Files.newBufferedWriter(c.outDir().resolve("metrics.jsonl"), StandardCharsets.UTF_8);
        Path staging = c.outDir().resolve(".prepare-staging");
        deleteTree(staging);
        Files.createDirectories(staging);
        int vocab = c.tokenizer().vocabSize();
        int width = ShardFormat.bytesPerToken(vocab);
        int eot = c.tokenizer().endOfTextId();
        if (eot < 0 && c.chunking() == Chunking.CONCAT)
            listener.warning("tokenizer has no end-of-text token: documents are concatenated without a separator");

        String[] names = {"train", "val"};
        BlockWriter[] blocks = new BlockWriter[2];
        ExternalShuffle[] shuffles = new ExternalShuffle[2];
        long[] docs = new long[2];
        boolean ok = false;
        Map<String, Object> report = new LinkedHashMap<>();
        try (DocumentReader reader = new DocumentReader(c.inputs(), c.read(), listener::warning);
             Cleaner cleaner = new Cleaner(c.cleaning(), staging)) {
            CoverageReport coverage = new CoverageReport();
            long totalBytes = reader.totalBytes();
            for (int s = 0; s < 2; s++) {
                blocks[s] = new BlockWriter(new ShardedTokenWriter(staging, names[s], c.format(), width, c.shardTokens()),
                        c.chunking(), c.seq(), eot);
                if (c.shuffle()) {
                    // Tokens on disk are at most one per input byte for byte-level tokenizers, fewer for others.
                    long estimate = (long) (totalBytes * (s == 0 ? 1 - c.valFraction() : c.valFraction()) * width * 1.1);
                    shuffles[s] = new ExternalShuffle(staging, names[s],
                            ExternalShuffle.bucketsFor(estimate, c.shuffleBucketBytes()), width,
                            2 * c.shuffleBucketBytes(), c.seed() + s);
                }
            }
            long lastReport = 0;
            while (reader.hasNext()) {
                Document d = reader.next();
                String text = cleaner.clean(d.text());
                coverage.add(d, text, cleaner.lastRemoval());
                if (text != null) {
                    int s = isValidation(text) ? 1 : 0;
                    int[] ids = c.tokenizer().encode(text);
                    docs[s]++;
                    if (c.shuffle()) shuffles[s].add(ids);
                    else blocks[s].add(ids);
                }
                long now = System.nanoTime();
                if (now - lastReport > 200_000_000L) {
                    lastReport = now;
                    progress("read", reader.bytesRead(), totalBytes, cleaner.report().documentsIn(),
                            cleaner.report().documentsOut(), false);
                }
            }
            progress("read", reader.bytesRead(), totalBytes, cleaner.report().documentsIn(),
                    cleaner.report().documentsOut(), true);
            InputStats in = reader.stats();
            CleaningReport cr = cleaner.report();
            cleaner.close(); // frees the dedup indexes before the shuffle needs memory

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
                splits.put(names[s], m);
            }

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

            report.put("documents_in", cr.documentsIn());
            report.put("documents_out", cr.documentsOut());
            report.put("removed", cr.toJson().get("removed"));
            report.put("input", input);
            Map<String, Object> cleaning = cr.toJson();
            cleaning.put("steps", c.cleaning().activeSteps());
            if (c.cleaning().nearDup() != null) {
                var m = c.cleaning().nearDup();
                cleaning.put("near_dup", Map.of("threshold", m.threshold(), "shingle_size", m.shingleSize(),
                        "permutations", m.numPerm(), "bands", m.bands(), "rows", m.rows(),
                        "verification", m.verification().name().toLowerCase()));
            }
            report.put("cleaning", cleaning);
            Map<String, Object> tok = new LinkedHashMap<>();
            tok.put("name", c.tokenizerName());
            tok.put("vocab_size", vocab);
            tok.put("end_of_text_id", eot);
            report.put("tokenizer", tok);
            report.put("vocab_size", vocab);
            report.put("format", c.format().name().toLowerCase());
            report.put("dtype", width == 2 ? "uint16" : "uint32");
            report.put("seq", c.seq());
            report.put("chunking", c.chunking().name().toLowerCase());
            report.put("val_fraction", c.valFraction());
            report.put("shuffle", c.shuffle());
            report.put("seed", c.seed());
            report.put("tokens", Map.of("train", blocks[0].output().tokens(), "val", blocks[1].output().tokens()));
            report.put("splits", splits);
            if (c.coverage() || coverage.hasCollectedSources()) {
                coverage.skippedRecords(in.skippedRecords());
                report.put("coverage", coverage.write(c.outDir()));
            } else {
                for (String f : CoverageReport.FILES) Files.deleteIfExists(c.outDir().resolve(f)); // an earlier run's
            }
            report.put("seconds", (System.nanoTime() - t0) / 1e9);
            writeAtomically(c.outDir().resolve("report.json"), Json.write(report) + "\n");
            ok = true;
        } finally {
            for (int s = 0; s < 2; s++) {
                if (shuffles[s] != null) shuffles[s].close();
                if (!ok && blocks[s] != null) blocks[s].output().abort();
            }
            deleteTree(staging);
            metrics.close();
        }
        return report;
    }

    /** Validation membership from a seeded 64-bit hash of the text: stable across runs and machines. */
    private boolean isValidation(String text) {
        if (c.valFraction() <= 0) return false;
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        long h = Hashing.murmur3x64_128(b, 0, b.length, c.seed())[0];
        return (h >>> 11) * 0x1.0p-53 < c.valFraction();
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
