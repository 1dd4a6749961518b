package cortado.data.spark;

import cortado.data.clean.BlocklistFilter;
import cortado.data.clean.CleaningConfig;
import cortado.data.clean.GopherOverrides;
import cortado.data.clean.MinHashConfig;
import cortado.data.clean.NormalizationStep;
import cortado.data.clean.ScriptFilter;
import cortado.data.dataset.Chunking;
import cortado.data.dataset.PrepareConfig;
import cortado.data.dataset.ShardFormat;
import cortado.data.json.Json;
import cortado.data.text.ReadOptions;
import cortado.data.text.TextSplit;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code spark-submit --class cortado.data.spark.PrepareJob cortado-data-spark.jar --input ... --tokenizer ... --out
 * DIR [options]}: {@code cortado prepare} as a Spark job ({@link SparkPrepare}), with prepare's option names and
 * defaults. Embedded {@code local[*]} unless {@code --master} or spark-submit names a cluster.
 */
public final class PrepareJob {
    private PrepareJob() {}

    static final Set<String> FLAGS = Set.of("dedup", "coverage", "no-shuffle", "strict", "match-special-tokens");
    static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("dedup-bits", "128"), Map.entry("shingle", "5"), Map.entry("num-perm", "128"),
            Map.entry("near-dup-verify", "estimated"), Map.entry("filters", "none"), Map.entry("normalize", "none"),
            Map.entry("blocklist-min-hits", "1"), Map.entry("script", "latin"), Map.entry("script-min-share", "0.5"),
            Map.entry("val-fraction", "0.01"), Map.entry("seq", "1024"), Map.entry("chunking", "concat"),
            Map.entry("format", "llmc"), Map.entry("shard-tokens", "100000000"), Map.entry("seed", "1337"),
            Map.entry("text-split", "file"), Map.entry("max-doc-chars", "1048576"));
    static final Set<String> OPTIONS = Set.of("input", "tokenizer", "out", "master", "near-dup-threshold", "bands", "rows",
            "gopher-quality", "gopher-repetition", "blocklist");

    public static void main(String[] argv) {
        try {
            Map<String, String> a = new HashMap<>(DEFAULTS);
            List<Path> inputs = new ArrayList<>();
            parse(argv, a, inputs);
            PrepareConfig c = config(a, inputs);
            TokenizerSpec tok = new TokenizerSpec(a.get("tokenizer"), a.containsKey("match-special-tokens"));
            SparkSession.Builder b = SparkSession.builder().appName("cortado-prepare");
            if (a.containsKey("master")) b.master(a.get("master"));
            else if (!System.getProperties().containsKey("spark.master")) b.master("local[*]");
            try (SparkSession spark = b.getOrCreate()) {
                long t0 = System.nanoTime();
                Map<String, Object> r = SparkPrepare.run(spark, c, tok, QUIET);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.println("documents: " + r.get("documents_in") + " in, " + r.get("documents_out") + " out");
                System.out.println("removed: " + Json.write(r.get("removed")));
                System.out.println("tokens: " + Json.write(r.get("tokens")));
                System.out.println("wrote " + c.outDir().resolve("report.json"));
                System.out.printf(java.util.Locale.ROOT, "job seconds: %.2f (the session's start not included)%n", seconds);
            }
        } catch (Exception e) {
            // Executors' failures arrive wrapped (SparkException, task failure): the root cause names the input.
            Throwable t = e;
            while (t.getCause() != null && t.getCause() != t) t = t.getCause();
            System.err.println("error: " + (t.getMessage() != null ? t.getMessage() : t.toString()));
            System.exit(e instanceof IllegalArgumentException ? 2 : 1);
        }
    }

    static final cortado.data.dataset.PrepareJob.Listener QUIET = new cortado.data.dataset.PrepareJob.Listener() {
        @Override public void progress(String phase, long done, long total, long in, long out) {}
        @Override public void warning(String message) { System.err.println("warning: " + message); }
    };

    static void parse(String[] argv, Map<String, String> a, List<Path> inputs) {
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (!s.startsWith("--")) { inputs.add(Path.of(s)); continue; }
            String k = s.substring(2), v = null;
            int eq = k.indexOf('=');
            if (eq >= 0) { v = k.substring(eq + 1); k = k.substring(0, eq); }
            if (FLAGS.contains(k)) { a.put(k, "true"); continue; }
            if (!OPTIONS.contains(k) && !DEFAULTS.containsKey(k))
                throw new IllegalArgumentException("unknown option --" + k + " (options: " + String.join(", ",
                        new java.util.TreeSet<>(union())) + ")");
            if (v == null) {
                if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + k + " needs a value");
                v = argv[++i];
            }
            if (k.equals("input")) inputs.add(Path.of(v));
            else a.put(k, v);
        }
        for (String r : List.of("tokenizer", "out"))
            if (!a.containsKey(r)) throw new IllegalArgumentException("--" + r + " is required");
        if (inputs.isEmpty()) throw new IllegalArgumentException("--input is required");
    }

    private static Set<String> union() {
        Set<String> s = new java.util.HashSet<>(FLAGS);
        s.addAll(OPTIONS);
        s.addAll(DEFAULTS.keySet());
        return s;
    }

    private static <T> T prefixed(String flag, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    static PrepareConfig config(Map<String, String> a, List<Path> inputs) {
        CleaningConfig c = CleaningConfig.none();
        Set<String> filters = new java.util.LinkedHashSet<>();
        for (String f : a.get("filters").split(",")) {
            String t = f.strip();
            if (t.isEmpty() || t.equals("none")) continue;
            if (t.equals("gopher")) { filters.add("gopher-quality"); filters.add("gopher-repetition"); continue; }
            if (!Set.of("gopher-quality", "gopher-repetition", "blocklist", "script", "pii").contains(t))
                throw new IllegalArgumentException("--filters: unknown filter '" + t + "'");
            filters.add(t);
        }
        if (filters.contains("pii")) c = c.withPii(true);
        c = c.withNormalization(NormalizationStep.parse(a.get("normalize")));
        if (a.containsKey("blocklist")) filters.add("blocklist");
        if (filters.contains("gopher-quality")) c = c.withQuality(prefixed("--gopher-quality", () -> GopherOverrides.quality(a.get("gopher-quality"))));
        if (filters.contains("gopher-repetition"))
            c = c.withRepetition(prefixed("--gopher-repetition", () -> GopherOverrides.repetition(a.get("gopher-repetition"))));
        if (filters.contains("blocklist")) {
            List<String> list = BlocklistFilter.DEFAULT_LIST;
            if (a.containsKey("blocklist")) {
                try {
                    list = BlocklistFilter.readList(Path.of(a.get("blocklist")));
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException(a.get("blocklist") + ": cannot read blocklist: " + e.getMessage());
                }
            }
            c = c.withBlocklist(list, Integer.parseInt(a.get("blocklist-min-hits")));
        }
        if (filters.contains("script"))
            c = c.withScript(ScriptFilter.parseScripts(a.get("script")), Double.parseDouble(a.get("script-min-share")), 1);
        if (a.containsKey("dedup")) c = c.withExactDedup(Integer.parseInt(a.get("dedup-bits")));
        if (a.containsKey("near-dup-threshold")) {
            double j = Double.parseDouble(a.get("near-dup-threshold"));
            MinHashConfig.Verification v = switch (a.get("near-dup-verify")) {
                case "estimated" -> MinHashConfig.Verification.ESTIMATED;
                case "exact" -> MinHashConfig.Verification.EXACT;
                default -> throw new IllegalArgumentException("--near-dup-verify must be estimated or exact");
            };
            MinHashConfig m = MinHashConfig.forThreshold(j, Integer.parseInt(a.get("shingle")),
                    Integer.parseInt(a.get("num-perm")), v);
            if (a.containsKey("bands") || a.containsKey("rows")) {
                int rows = a.containsKey("rows") ? Integer.parseInt(a.get("rows")) : m.rows();
                int bands = a.containsKey("bands") ? Integer.parseInt(a.get("bands")) : m.numPerm() / rows;
                m = new MinHashConfig(m.shingleSize(), m.numPerm(), bands, rows, j, v, m.seed());
            }
            c = c.withNearDup(m);
        }
        ReadOptions read = new ReadOptions(TextSplit.parse(a.get("text-split")), Integer.parseInt(a.get("max-doc-chars")),
                64 << 20, a.containsKey("strict"));
        Chunking chunking = Chunking.parse(a.get("chunking"));
        int seq = Integer.parseInt(a.get("seq"));
        if (chunking == Chunking.PACK && seq == 0) throw new IllegalArgumentException("--chunking pack needs --seq T > 0");
        TokenizerSpec tok = new TokenizerSpec(a.get("tokenizer"), a.containsKey("match-special-tokens"));
        return new PrepareConfig(inputs, read, c, tok.load(), a.get("tokenizer"), Path.of(a.get("out")),
                Double.parseDouble(a.get("val-fraction")), seq, chunking, ShardFormat.parse(a.get("format")),
                !a.containsKey("no-shuffle"), Long.parseLong(a.get("seed")), Long.parseLong(a.get("shard-tokens")),
                32L << 20, a.containsKey("coverage"));
    }
}
