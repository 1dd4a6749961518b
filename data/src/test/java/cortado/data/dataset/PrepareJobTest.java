package cortado.data.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.clean.CleaningConfig;
import cortado.data.clean.MinHashConfig;
import cortado.data.json.Json;
import cortado.data.text.ReadOptions;
import cortado.data.tokenizer.ByteTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareJobTest {
    @TempDir Path dir;

    static String randomDoc(Random rnd, int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            int len = 2 + rnd.nextInt(7);
            for (int k = 0; k < len; k++) b.append((char) ('a' + rnd.nextInt(26)));
            b.append(i % 15 == 14 ? ".\n" : " ");
        }
        return b.toString().strip();
    }

    static PrepareConfig config(Path in, Path out, CleaningConfig cleaning, double val, int seq, boolean shuffle) {
        return new PrepareConfig(List.of(in), ReadOptions.defaults(), cleaning, new ByteTokenizer(), "bytes", out,
                val, seq, Chunking.CONCAT, ShardFormat.LLMC, shuffle, 1337, 100_000, 1 << 20);
    }

    static final PrepareJob.Listener QUIET = new PrepareJob.Listener() {
        @Override public void progress(String phase, long done, long total, long in, long out) {}
        @Override public void warning(String message) {}
    };

    @Test
    void cleansSplitsShufflesChunksAndReports() throws IOException {
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Random rnd = new Random(3);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 200; i++) docs.add(randomDoc(rnd, 80));
        StringBuilder jsonl = new StringBuilder();
        for (String d : docs) jsonl.append(Json.write(Map.of("text", d))).append('\n');
        jsonl.append(Json.write(Map.of("text", docs.get(0).toUpperCase()))).append('\n');          // exact dup (normalized)
        jsonl.append(Json.write(Map.of("text", docs.get(1).replaceFirst("\\w+$", "changed")))).append('\n'); // near dup
        jsonl.append("{\"text\": broken\n");                                                          // malformed line 203
        Files.writeString(in.resolve("a.jsonl"), jsonl);
        Files.write(in.resolve("b.txt"), new byte[] {'b', 'a', 'd', ' ', (byte) 0xFF, ' ', 'b', 'y', 't', 'e'});

        List<String> warnings = new ArrayList<>();
        PrepareJob.Listener l = new PrepareJob.Listener() {
            @Override public void progress(String phase, long done, long total, long a, long b) {}
            @Override public void warning(String message) { warnings.add(message); }
        };
        Path out = dir.resolve("out");
        CleaningConfig cleaning = CleaningConfig.none().withExactDedup(128).withNearDup(MinHashConfig.forThreshold(0.8));
        Map<String, Object> r = new PrepareJob(config(in, out, cleaning, 0.2, 64, true), l).run();

        assertThat(warnings).singleElement().asString().startsWith(in.resolve("a.jsonl") + ":203: invalid JSON");
        assertThat(r.get("documents_in")).isEqualTo(203L);
        assertThat(r.get("documents_out")).isEqualTo(201L);
        assertThat((Map<String, Object>) r.get("removed")).containsEntry("exact_duplicate", 1L).containsEntry("near_duplicate", 1L);
        Map<String, Object> input = (Map<String, Object>) r.get("input");
        assertThat(input).containsEntry("malformed_lines_skipped", 1L).containsEntry("invalid_utf8_replaced", 1L)
                .containsEntry("files", 2L);
        assertThat(r.get("vocab_size")).isEqualTo(257);
        assertThat(r.get("dtype")).isEqualTo("uint16");

        Map<String, Object> splits = (Map<String, Object>) r.get("splits");
        long docsTotal = 0;
        for (String split : List.of("train", "val")) {
            Map<String, Object> s = (Map<String, Object>) splits.get(split);
            docsTotal += (Long) s.get("documents");
            long tokens = 0;
            for (Object name : (List<?>) s.get("shards")) {
                try (TokenShard shard = TokenShard.openLlmc(out.resolve((String) name))) { tokens += shard.size(); }
            }
            assertThat(tokens).isEqualTo(s.get("tokens")).isEqualTo(((Map<?, ?>) r.get("tokens")).get(split));
            assertThat(tokens % 64).isZero();
        }
        assertThat(docsTotal).isEqualTo(201L);
        long val = (Long) ((Map<?, ?>) splits.get("val")).get("documents");
        assertThat(val).isBetween(20L, 70L); // 20% of 201, by hash

        // The report on disk is the same report, and nothing temporary is left behind.
        assertThat(Json.parseObject(Files.readString(out.resolve("report.json")))).containsEntry("documents_out", 201L);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .allMatch(n -> n.equals("report.json") || n.equals("metrics.jsonl") || n.matches("(train|val)_\\d{6}\\.bin"));
        }
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(metrics).isNotEmpty();
        for (String line : metrics) assertThat(Json.parseObject(line)).containsKeys("elapsed_s", "phase", "documents_in");

        // The train stream decodes to the kept documents, each after an end-of-text token.
        try (TokenShard s = TokenShard.openLlmc(out.resolve("train_000000.bin"))) {
            int[] ids = new int[(int) s.size()];
            s.read(0, ids, 0, ids.length);
            assertThat(ids[0]).isEqualTo(ByteTokenizer.END_OF_TEXT);
            String text = new ByteTokenizer().decode(ids);
            int found = 0;
            for (String d : docs) if (text.contains(d)) found++;
            assertThat(found).isGreaterThan(100);
        }
    }

    @Test
    void runsAreDeterministicAndReplacePreviousShards() throws IOException {
        Path in = dir.resolve("c.txt");
        Random rnd = new Random(5);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 300; i++) b.append(randomDoc(rnd, 30)).append("\n\n");
        Files.writeString(in, b);
        ReadOptions paragraphs = new ReadOptions(cortado.data.text.TextSplit.PARAGRAPH, 1 << 20, 1 << 20, false);
        byte[][] first = new byte[2][];
        for (int run = 0; run < 2; run++) {
            Path out = dir.resolve("out" + run);
            if (run == 1) Files.createDirectories(out);
            if (run == 1) Files.write(out.resolve("train_000999.bin"), new byte[] {1, 2}); // stale shard of an old run
            PrepareConfig c = new PrepareConfig(List.of(in), paragraphs, CleaningConfig.none(), new ByteTokenizer(),
                    "bytes", out, 0.1, 0, Chunking.CONCAT, ShardFormat.NANOGPT, true, 1, 4000, 1 << 12);
            new PrepareJob(c, QUIET).run();
            byte[] train = Files.readAllBytes(out.resolve("train_000000.bin"));
            if (run == 0) first[0] = train;
            else assertThat(train).isEqualTo(first[0]);
            assertThat(Files.exists(out.resolve("train_000999.bin"))).isFalse();
            assertThat(Files.exists(out.resolve("train_000001.bin"))).isTrue(); // 4000-token shards
        }
    }

    /**
     * Streaming: a child JVM with a 32 MB heap prepares a 40 MB input (every cleaning step on, shuffled). The 2 GB run
     * with -Xmx512m is measured by hand (tools/data/make_big_corpus.py), not here.
     */
    @Test
    void preparesAnInputLargerThanTheHeap() throws Exception {
        Path in = dir.resolve("big.jsonl");
        SmallHeapPrepareMain.writeCorpus(in, 40L << 20, 11);
        assertThat(Files.size(in)).isGreaterThan(40L << 20);
        Path out = dir.resolve("out");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                SmallHeapPrepareMain.class.getName(), in.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        Map<String, Object> r = Json.parseObject(Files.readString(out.resolve("report.json")));
        assertThat((Long) r.get("documents_out")).isGreaterThan(1000L);
        assertThat((Map<String, Object>) r.get("removed")).containsKeys("exact_duplicate", "near_duplicate");
    }
}
