package cortado.data.spark;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.clean.CleaningConfig;
import cortado.data.clean.GopherQualityFilter;
import cortado.data.clean.MinHashConfig;
import cortado.data.collect.Provenance;
import cortado.data.dataset.Chunking;
import cortado.data.dataset.CoverageReport;
import cortado.data.dataset.PrepareConfig;
import cortado.data.dataset.PrepareJob;
import cortado.data.dataset.ShardFormat;
import cortado.data.json.Json;
import cortado.data.text.ReadOptions;
import cortado.data.text.TextSplit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, must-show 4: the Spark job on embedded local[2] and {@code prepare} in one process, on a generated corpus
 * of JSONL, Reddit, WARC, MediaWiki XML and plain-text files (two of each) with planted exact copies, near-duplicate
 * chains across files and sources, and short documents, give byte-identical token shards, the same decision for every
 * document in the same order, the same report.json (but its running time) and byte-identical coverage files.
 */
class SparkPrepareParityTest {
    @TempDir static Path dir;
    static SparkSession spark;
    static Path corpus;

    @BeforeAll
    static void start() throws IOException {
        corpus = dir.resolve("corpus");
        CorpusGenerator.write(corpus, 120, 2, 11);
        spark = SparkSession.builder().master("local[2]").appName("parity")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    static PrepareConfig config(Path out, CleaningConfig cleaning, boolean shuffle, TokenizerSpec tok) {
        return new PrepareConfig(List.of(corpus), new ReadOptions(TextSplit.PARAGRAPH, 1 << 20, 64 << 20, false),
                cleaning, tok.load(), tok.spec(), out, 0.1, 64, Chunking.CONCAT, ShardFormat.LLMC, shuffle, 5,
                20_000, 1 << 16);
    }

    static final TokenizerSpec BYTES = new TokenizerSpec("bytes", false);

    /** Records each document's decision. */
    static final class Decisions implements PrepareJob.Listener {
        final List<String> lines = new ArrayList<>();
        @Override public void progress(String phase, long done, long total, long in, long out) {}
        @Override public void warning(String message) {}
        @Override public void document(Provenance p, String reason) {
            lines.add(p.kind() + " " + p.file() + " " + p.record() + " " + (reason == null ? "kept" : reason));
        }
    }

    @SuppressWarnings("unchecked")
    void assertSame(CleaningConfig cleaning, boolean shuffle, TokenizerSpec tok, String name) throws IOException {
        Path one = dir.resolve(name + "-prepare"), many = dir.resolve(name + "-spark");
        Decisions d1 = new Decisions(), d2 = new Decisions();
        Map<String, Object> r1 = new PrepareJob(config(one, cleaning, shuffle, tok), d1).run();
        Map<String, Object> r2 = SparkPrepare.run(spark, config(many, cleaning, shuffle, tok), tok, d2);

        assertThat(d2.lines).hasSize(d1.lines.size());
        List<String> differ = java.util.stream.IntStream.range(0, d1.lines.size()).filter(i -> !d1.lines.get(i).equals(d2.lines.get(i)))
                .mapToObj(i -> "prepare: " + d1.lines.get(i) + " / spark: " + d2.lines.get(i).replaceFirst(".* ", "")).toList();
        assertThat(differ).as("documents decided differently, of " + d1.lines.size()).isEmpty();
        List<String> shards = shardNames(one);
        assertThat(shardNames(many)).isEqualTo(shards);
        assertThat(shards).anyMatch(s -> s.startsWith("train_000001")).anyMatch(s -> s.startsWith("val_"));
        for (String s : shards) assertThat(Files.mismatch(one.resolve(s), many.resolve(s))).as(s).isEqualTo(-1L);
        r1.remove("seconds");
        r2.remove("seconds");
        assertThat(r2).isEqualTo(r1);
        assertThat(Json.write(r2)).isEqualTo(Json.write(r1)); // and in the same key order
        for (String f : CoverageReport.FILES) assertThat(Files.mismatch(one.resolve(f), many.resolve(f))).as(f).isEqualTo(-1L);

        // The corpus exercised every decision.
        Map<String, Object> removed = (Map<String, Object>) r1.get("removed");
        System.out.println(name + ": " + d1.lines.size() + " documents, removed " + removed + ", "
                + ((Map<String, Object>) r1.get("cleaning")).get("near_dup_candidate_pairs") + " candidate pairs, "
                + shards.size() + " shards, tokens " + r1.get("tokens"));
        assertThat(removed.keySet()).contains("gopher.word_count", "exact_duplicate");
        if (cleaning.nearDup() != null) assertThat((Long) removed.get("near_duplicate")).isGreaterThan(5);
        assertThat((Map<String, Object>) ((Map<String, Object>) r1.get("input")).get("skipped_records"))
                .containsKeys("warc.request", "http.status", "wikipedia.redirect", "wikipedia.namespace", "reddit.deleted");
    }

    static List<String> shardNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin")).sorted().toList();
        }
    }

    @Test
    void sparkLocal2GivesPreparesShardsDecisionsAndReports() throws IOException {
        CleaningConfig cleaning = CleaningConfig.none().withQuality(GopherQualityFilter.Config.gopher())
                .withExactDedup(128).withNearDup(MinHashConfig.forThreshold(0.7, 5, 128, MinHashConfig.Verification.EXACT));
        assertSame(cleaning, false, BYTES, "exact");
    }

    @Test
    void sameWithEstimatedVerificationAndTheShuffle() throws IOException {
        CleaningConfig cleaning = CleaningConfig.none().withQuality(GopherQualityFilter.Config.gopher())
                .withExactDedup(64).withNearDup(MinHashConfig.forThreshold(0.7));
        assertSame(cleaning, true, BYTES, "estimated");
    }

    @Test
    void sameWithABpeTokenizerJsonLoadedByTheExecutors() throws IOException {
        Path tok = dir.resolve("tokenizer.json");
        try (var in = SparkPrepareParityTest.class.getResourceAsStream("tiny-bpe-tokenizer.json")) {
            Files.copy(in, tok);
        }
        CleaningConfig cleaning = CleaningConfig.none().withQuality(GopherQualityFilter.Config.gopher())
                .withExactDedup(128).withNearDup(MinHashConfig.forThreshold(0.8));
        assertSame(cleaning, false, new TokenizerSpec(tok.toString(), false), "bpe");
    }
}
