package cortado.cli;

import cortado.data.clean.BlocklistFilter;
import cortado.data.clean.CleaningConfig;
import cortado.data.clean.GopherOverrides;
import cortado.data.clean.GopherQualityFilter;
import cortado.data.clean.GopherRepetitionFilter;
import cortado.data.clean.MinHashConfig;
import cortado.data.clean.NormalizationStep;
import cortado.data.clean.ScriptFilter;
import cortado.data.dataset.Chunking;
import cortado.data.dataset.PrepareConfig;
import cortado.data.dataset.PrepareJob;
import cortado.data.dataset.ShardFormat;
import cortado.data.text.BadInputException;
import cortado.data.text.ReadOptions;
import cortado.data.text.TextSplit;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.TokenizerException;
import cortado.data.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code cortado prepare}: raw text, JSONL, WARC/WET crawls and MediaWiki/Reddit dumps to cleaned, deduplicated,
 * tokenized, shuffled token shards plus {@code report.json} (and the coverage report for crawls and dumps). See {@link PrepareJob} for the pipeline and {@link CleaningConfig} for the steps.
 */
public final class PrepareCommand implements Command {
    private static final int MAX_WARNINGS = 20;

    @Override public String name() { return "prepare"; }

    @Override public String summary() { return "clean, deduplicate, tokenize and shard text/JSONL/WARC/wiki dumps into .bin files"; }

    static Args args() {
        return new Args("prepare", """
                Reads text files, directories (recursively) and JSONL ("text", "prompt"/"completion" or chat
                "messages"), cleans and deduplicates them, tokenizes, splits into train/val, shuffles, cuts into
                blocks and writes token shards (train_000000.bin, val_000000.bin, ...) and report.json to --out.
                Crawls and dumps, by file name (optionally .gz): .warc/.wet (Common Crawl WARC and WET; HTML reduced
                to its main text), .xml (MediaWiki dump; wikitext to plain text) and Reddit JSONL (lines with
                "body" or "selftext"; [deleted]/[removed] skipped); .html/.htm pages become their main text. With
                any of these, or with --coverage, a coverage report goes to --out too: coverage.json, coverage.md
                and PNG charts of scripts, domains, lengths and the share each filter removed, per source.
                Memory does not grow with the input, except for the dedup indexes: 32-64 bytes per distinct
                document for --dedup, about 84 per document for near-dup (21 bands). Filters: gopher (= gopher-quality,gopher-repetition), blocklist, script, pii, none.
                Gopher thresholds: --gopher-quality and --gopher-repetition take key=value lists, e.g.
                min_words=20,max_mean_word_length=12 or duplicate_lines=0.4,top_2gram=0.25,duplicate_5gram=0.2.""")
                .required("input", "PATH", "input file or directory; more paths may follow as arguments")
                .positional("[PATH...]", "more inputs")
                .required("tokenizer", "PATH", "tokenizer.json, *.tiktoken, vocab.txt, a directory with one (or encoder.json + vocab.bpe), or 'bytes'")
                .required("out", "DIR", "output directory")
                .flag("dedup", "remove exact duplicates (normalized text, MurmurHash3 content hash)")
                .option("dedup-bits", "64|128", "content hash width", "128")
                .option("near-dup-threshold", "J", "remove near duplicates with Jaccard similarity >= J (MinHash + LSH;"
                        + " of each connected group the first document stays)", null)
                .option("shingle", "N", "words per shingle for near-dup detection", "5")
                .option("num-perm", "N", "MinHash permutations", "128")
                .option("bands", "B", "LSH bands (default: chosen for the threshold, with --rows)", null)
                .option("rows", "R", "LSH rows per band (default: chosen for the threshold)", null)
                .option("near-dup-verify", "MODE", "verify candidates by 'estimated' (signature) or 'exact' Jaccard", "estimated")
                .option("filters", "LIST", "comma-separated filters to apply", "none")
                .option("normalize", "LIST", "text normalizations: contractions, abbreviations, special-chars,"
                        + " punctuation, lowercase, all or none", "none")
                .flag("coverage", "write the coverage report for plain text and JSONL inputs too")
                .option("gopher-quality", "K=V,...", "override Gopher quality thresholds", null)
                .option("gopher-repetition", "K=V,...", "override Gopher repetition thresholds", null)
                .option("blocklist", "FILE", "word list for the blocklist filter (one entry per line; default: a small built-in list)", null)
                .option("blocklist-min-hits", "N", "blocked words needed to remove a document", "1")
                .option("script", "NAMES", "required Unicode scripts for the script filter", "latin")
                .option("script-min-share", "F", "share of letters that must be in those scripts", "0.5")
                .option("val-fraction", "F", "share of documents in the validation split", "0.01")
                .option("seq", "T", "block length in tokens (0: one unblocked stream)", "1024")
                .option("chunking", "MODE", "concat (blocks span documents) or pack (whole documents, padded)", "concat")
                .option("format", "FMT", "llmc (headered .bin) or nanogpt (raw .bin)", "llmc")
                .option("shard-tokens", "N", "tokens per shard", "100000000")
                .option("seed", "N", "seed for the split and the shuffle", "1337")
                .flag("no-shuffle", "keep documents in input order")
                .option("text-split", "MODE", "plain text documents: file, paragraph (blank lines) or line", "file")
                .option("max-doc-chars", "N", "cut longer text documents at a line end", "1048576")
                .flag("strict", "stop at the first malformed JSONL line instead of skipping it")
                .flag("match-special-tokens", "match special-token strings in the text as special tokens (default: they"
                        + " are text, so a literal <|endoftext|> in a document does not end it)");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        List<Path> inputs = new ArrayList<>();
        inputs.add(Path.of(a.string("input")));
        for (String p : a.positionals()) inputs.add(Path.of(p));

        Tokenizer tokenizer = loadTokenizer(a.string("tokenizer"));
        if (!a.bool("match-special-tokens")) tokenizer = tokenizer.specialTokensAsText();
        CleaningConfig cleaning = cleaning(a);
        double val = a.nonNegativeReal("val-fraction");
        if (val >= 1) throw new UsageException("--val-fraction must be below 1, got " + a.string("val-fraction"));
        ReadOptions read;
        Chunking chunking;
        ShardFormat format;
        try {
            read = new ReadOptions(TextSplit.parse(a.string("text-split")), a.positiveInt("max-doc-chars"), 64 << 20,
                    a.bool("strict"));
            chunking = Chunking.parse(a.string("chunking"));
            format = ShardFormat.parse(a.string("format"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        int seq = a.nonNegativeInt("seq");
        if (chunking == Chunking.PACK && seq == 0) throw new UsageException("--chunking pack needs --seq T > 0");
        PrepareConfig config = new PrepareConfig(inputs, read, cleaning, tokenizer, a.string("tokenizer"),
                Path.of(a.string("out")), val, seq, chunking, format, !a.bool("no-shuffle"), a.longValue("seed"),
                a.longValue("shard-tokens"), 32L << 20, a.bool("coverage"));

        Progress progress = new Progress(System.err, ProgressBar.isTerminal());
        Map<String, Object> report;
        try {
            report = new PrepareJob(config, progress).run();
        } catch (BadInputException e) {
            progress.end();
            throw new CliException(e.getMessage());
        } catch (UncheckedIOException e) {
            progress.end();
            throw new CliException(e.getMessage(), e);
        } catch (IOException e) {
            progress.end();
            throw new CliException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        progress.end();
        if (progress.warnings > MAX_WARNINGS)
            System.err.printf("warning: %d more warnings not shown; counts are in report.json%n", progress.warnings - MAX_WARNINGS);
        summarize(report, config, System.out);
        if ((Long) report.get("documents_out") == 0)
            throw new CliException("no documents left to write (" + report.get("documents_in")
                    + " read); see " + config.outDir().resolve("report.json"));
        return Main.OK;
    }

    /** "bytes", or anything {@link Tokenizers#open} reads; a bad file is one error line naming it. */
    static Tokenizer loadTokenizer(String spec) {
        if (spec.equals("bytes")) return new ByteTokenizer();
        try {
            return Tokenizers.open(Path.of(spec));
        } catch (TokenizerException e) {
            throw new CliException(e.getMessage());
        }
    }

    static CleaningConfig cleaning(Args a) throws UsageException {
        CleaningConfig c = CleaningConfig.none();
        Set<String> filters = new LinkedHashSet<>();
        for (String f : a.string("filters").split(",")) {
            String t = f.strip().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.equals("none")) continue;
            if (t.equals("gopher")) { filters.add("gopher-quality"); filters.add("gopher-repetition"); continue; }
            if (!Set.of("gopher-quality", "gopher-repetition", "blocklist", "script", "pii").contains(t))
                throw new UsageException("--filters: unknown filter '" + t
                        + "' (gopher, gopher-quality, gopher-repetition, blocklist, script, pii, none)");
            filters.add(t);
        }
        if (a.has("blocklist")) filters.add("blocklist");
        if (filters.contains("pii")) c = c.withPii(true);
        try {
            c = c.withNormalization(NormalizationStep.parse(a.string("normalize")));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--normalize: " + e.getMessage());
        }
        if (filters.contains("gopher-quality")) c = c.withQuality(quality(a.string("gopher-quality")));
        if (filters.contains("gopher-repetition")) c = c.withRepetition(repetition(a.string("gopher-repetition")));
        if (filters.contains("blocklist")) {
            List<String> list = BlocklistFilter.DEFAULT_LIST;
            if (a.has("blocklist")) {
                Path f = Path.of(a.string("blocklist"));
                try {
                    list = BlocklistFilter.readList(f);
                } catch (IOException e) {
                    throw new CliException(f + ": cannot read blocklist: " + e.getMessage());
                }
            }
            c = c.withBlocklist(list, a.positiveInt("blocklist-min-hits"));
        }
        if (filters.contains("script")) {
            try {
                c = c.withScript(ScriptFilter.parseScripts(a.string("script")), a.nonNegativeReal("script-min-share"), 1);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--script: " + e.getMessage());
            }
        }
        if (a.bool("dedup")) {
            int bits = a.integer("dedup-bits");
            if (bits != 64 && bits != 128) throw new UsageException("--dedup-bits must be 64 or 128, got " + bits);
            c = c.withExactDedup(bits);
        }
        if (a.has("near-dup-threshold")) {
            double j = a.real("near-dup-threshold");
            if (!(j > 0 && j <= 1)) throw new UsageException("--near-dup-threshold must be in (0, 1], got " + j);
            MinHashConfig.Verification v = switch (a.string("near-dup-verify")) {
                case "estimated" -> MinHashConfig.Verification.ESTIMATED;
                case "exact" -> MinHashConfig.Verification.EXACT;
                default -> throw new UsageException("--near-dup-verify must be estimated or exact, got '"
                        + a.string("near-dup-verify") + "'");
            };
            MinHashConfig m = MinHashConfig.forThreshold(j, a.positiveInt("shingle"), a.positiveInt("num-perm"), v);
            if (a.has("bands") || a.has("rows")) {
                int rows = a.has("rows") ? a.positiveInt("rows") : m.rows();
                int bands = a.has("bands") ? a.positiveInt("bands") : m.numPerm() / rows;
                try {
                    m = new MinHashConfig(m.shingleSize(), m.numPerm(), bands, rows, j, v, m.seed());
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--bands/--rows: " + e.getMessage());
                }
            }
            c = c.withNearDup(m);
        }
        return c;
    }

    private static GopherQualityFilter.Config quality(String overrides) throws UsageException {
        try {
            return GopherOverrides.quality(overrides);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--gopher-quality: " + e.getMessage());
        }
    }

    private static GopherRepetitionFilter.Config repetition(String overrides) throws UsageException {
        try {
            return GopherOverrides.repetition(overrides);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--gopher-repetition: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static void summarize(Map<String, Object> r, PrepareConfig c, PrintStream out) {
        Map<String, Object> splits = (Map<String, Object>) r.get("splits");
        Map<String, Object> train = (Map<String, Object>) splits.get("train"), val = (Map<String, Object>) splits.get("val");
        out.printf(Locale.ROOT, "documents: %d in, %d out%n", r.get("documents_in"), r.get("documents_out"));
        Map<String, Object> removed = (Map<String, Object>) r.get("removed");
        if (!removed.isEmpty()) {
            StringBuilder b = new StringBuilder("removed:");
            removed.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            out.println(b);
        }
        Map<String, Object> in = (Map<String, Object>) r.get("input");
        long bad = (Long) in.get("invalid_utf8_replaced"), malformed = (Long) in.get("malformed_lines_skipped");
        if (bad > 0 || malformed > 0)
            out.printf(Locale.ROOT, "input problems: %d invalid UTF-8 sequences replaced, %d malformed lines skipped%n", bad, malformed);
        out.printf(Locale.ROOT, "tokens: train %d (%d shards), val %d (%d shards); vocabulary %d, %s%n",
                train.get("tokens"), ((List<?>) train.get("shards")).size(), val.get("tokens"),
                ((List<?>) val.get("shards")).size(), r.get("vocab_size"), r.get("dtype"));
        if (c.valFraction() > 0 && (Long) val.get("documents") == 0 && (Long) r.get("documents_out") > 0)
            out.println("note: the validation split is empty (few documents; see --text-split paragraph)");
        Map<String, Object> skipped = (Map<String, Object>) in.get("skipped_records");
        if (skipped != null && !skipped.isEmpty()) {
            StringBuilder b = new StringBuilder("records without a document:");
            skipped.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            out.println(b);
        }
        if (r.containsKey("coverage")) out.println("wrote " + c.outDir().resolve("coverage.md") + " (and coverage.json, charts)");
        out.println("wrote " + c.outDir().resolve("report.json"));
    }

    /** Progress on stderr: a bar redrawn in place on a terminal, a plain line every 10 s elsewhere. */
    static final class Progress implements PrepareJob.Listener {
        private final PrintStream err;
        private final boolean terminal;
        private final long start = System.nanoTime();
        private long lastLine;
        private boolean barShown;
        int warnings;

        Progress(PrintStream err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void progress(String phase, long done, long total, long docsIn, long docsOut) {
            double secs = (System.nanoTime() - start) / 1e9;
            double frac = total > 0 ? Math.min(1, (double) done / total) : 0;
            String what = phase.equals("read")
                    ? String.format(Locale.ROOT, "read %s/%s  %s/s  ETA %s  docs %d in, %d kept", mb(done), mb(total),
                            mb((long) (done / Math.max(secs, 1e-3))), frac > 0 ? ProgressBar.clock(secs / frac - secs) : "?",
                            docsIn, docsOut)
                    : String.format(Locale.ROOT, "shuffle+write bucket %d/%d", done, total);
            if (terminal) {
                int w = 24, filled = (int) (w * frac);
                err.print("\r[" + "#".repeat(filled) + ".".repeat(w - filled) + "] " + what + "\u001b[K");
                err.flush();
                barShown = true;
            } else {
                long now = System.nanoTime();
                if (now - lastLine > 10_000_000_000L || done == total) {
                    lastLine = now;
                    err.println(String.format(Locale.ROOT, "prepare: %5.1f%% ", 100 * frac) + what);
                }
            }
        }

        @Override
        public void warning(String message) {
            if (++warnings > MAX_WARNINGS) return;
            if (barShown) { err.print("\r\u001b[K"); }
            err.println("warning: " + message);
        }

        void end() {
            if (barShown) err.println();
            barShown = false;
        }

        private static String mb(long bytes) {
            return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30))
                    : String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
        }
    }
}
