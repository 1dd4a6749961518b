package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareCommandTest {
    @TempDir Path dir;

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    private Path corpus() throws Exception {
        Path f = dir.resolve("data.jsonl");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 50; i++) b.append(Json.write(Map.of("text", "document number " + i + " says hello"))).append('\n');
        b.append(Json.write(Map.of("text", "document number 3 says hello"))).append('\n'); // line 51: duplicate
        b.append("{not json}\n");                                                           // line 52: malformed
        Files.writeString(f, b);
        Files.write(dir.resolve("raw.txt"), new byte[] {'o', 'k', ' ', (byte) 0xC3, '(', '\n'}); // invalid UTF-8
        return f;
    }

    @Test
    void writesShardsAndReportAndWarnsAboutBadLinesByFileAndLine() throws Exception {
        Path f = corpus();
        Path out = dir.resolve("out");
        CliRun.Result r = run("prepare", "--input", f.toString(), dir.resolve("raw.txt").toString(), "--tokenizer", "bytes",
                "--out", out.toString(), "--dedup", "--near-dup-threshold", "0.9", "--val-fraction", "0.1", "--seq", "32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("warning: " + f + ":52: invalid JSON");
        assertThat(r.out()).contains("documents: 52 in, 51 out").contains("removed: exact_duplicate=1")
                .contains("1 invalid UTF-8 sequences replaced, 1 malformed lines skipped");
        Map<String, Object> report = Json.parseObject(Files.readString(out.resolve("report.json")));
        assertThat(report).containsEntry("documents_in", 52L).containsEntry("documents_out", 51L)
                .containsEntry("vocab_size", 257L).containsEntry("format", "llmc").containsEntry("seq", 32L);
        assertThat(((Map<?, ?>) report.get("input")).get("invalid_utf8_replaced")).isEqualTo(1L);
        assertThat(Files.exists(out.resolve("train_000000.bin"))).isTrue();
    }

    @Test
    void strictMakesAMalformedLineFatalWithFileAndLine() throws Exception {
        Path f = corpus();
        CliRun.Result r = run("prepare", "--input", f.toString(), "--tokenizer", "bytes", "--out", dir.resolve("o").toString(), "--strict");
        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.err().lines().filter(l -> l.startsWith("error: "))).singleElement().asString()
                .startsWith("error: " + f + ":52: invalid JSON");
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(Files.exists(dir.resolve("o").resolve("report.json"))).isFalse();
    }

    @Test
    void realTokenizerFilesWork() throws Exception {
        Path f = corpus();
        Path gpt2 = Path.of(System.getProperty("user.dir")).getParent().resolve("data/src/test/resources/tokenizer/gpt2");
        Path out = dir.resolve("gpt2out");
        CliRun.Result r = run("prepare", "--input", f.toString(), "--tokenizer", gpt2.toString(), "--out", out.toString(),
                "--seq", "0", "--val-fraction", "0", "--no-shuffle", "--format", "nanogpt");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> report = Json.parseObject(Files.readString(out.resolve("report.json")));
        assertThat(report).containsEntry("vocab_size", 50257L).containsEntry("dtype", "uint16");
        // GPT-2 ids: <|endoftext|> is 50256 and precedes each document; "document" is one token, 22897
        byte[] b = Files.readAllBytes(out.resolve("train_000000.bin"));
        assertThat((b[0] & 0xff) | (b[1] & 0xff) << 8).isEqualTo(50256);
        assertThat((b[2] & 0xff) | (b[3] & 0xff) << 8).isEqualTo(22897);

        Path broken = dir.resolve("tokenizer.json");
        Files.writeString(broken, "{\"model\": ");
        CliRun.Result bad = run("prepare", "--input", f.toString(), "--tokenizer", broken.toString(), "--out", dir.resolve("x").toString());
        assertThat(bad.code()).isEqualTo(Main.FAILURE);
        assertThat(bad.err().strip()).startsWith("error: " + broken).doesNotContain("\n");
    }

    @Test
    void specialTokenStringsInDocumentsAreTextUnlessAskedToMatch() throws Exception {
        // A Qwen2-style tokenizer.json (HF-trained, tools/tokenizers/hf_pipeline_goldens.py) whose <|endoftext|> is id 0
        // and separates documents: a literal <|endoftext|> inside a document stays text by default.
        Path f = dir.resolve("docs.jsonl");
        Files.writeString(f, "{\"text\": \"one<|endoftext|>two\"}\n{\"text\": \"three\"}\n");
        Path tok = Path.of(System.getProperty("user.dir")).getParent().resolve("data/src/test/resources/tokenizer/hf/qwen2.json.gz");
        for (boolean match : new boolean[] {false, true}) {
            Path out = dir.resolve("q" + match);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("prepare", "--input", f.toString(),
                    "--tokenizer", tok.toString(), "--out", out.toString(), "--seq", "0", "--val-fraction", "0", "--no-shuffle",
                    "--format", "nanogpt"));
            if (match) args.add("--match-special-tokens");
            CliRun.Result r = run(args.toArray(new String[0]));
            assertThat(r.code()).as(r.err()).isZero();
            byte[] b = Files.readAllBytes(out.resolve("train_000000.bin"));
            int eot = 0;
            for (int i = 0; i + 1 < b.length; i += 2) if (((b[i] & 0xff) | (b[i + 1] & 0xff) << 8) == 0) eot++;
            assertThat(eot).as("end-of-text ids with --match-special-tokens " + match).isEqualTo(match ? 3 : 2);
        }
    }

    @Test
    void vocabulariesOver65536IdsGetUint32LlmcShards() throws Exception {
        Path f = corpus();
        Path cl100k = Path.of(System.getProperty("user.dir")).getParent()
                .resolve("data/src/test/resources/tokenizer/cl100k_base.tiktoken.gz");
        Path out = dir.resolve("cl100k");
        CliRun.Result r = run("prepare", "--input", f.toString(), "--tokenizer", cl100k.toString(), "--out", out.toString(),
                "--seq", "16", "--val-fraction", "0");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> report = Json.parseObject(Files.readString(out.resolve("report.json")));
        assertThat(report).containsEntry("dtype", "uint32");
        assertThat((Long) report.get("vocab_size")).isGreaterThan(65536L);
        try (var shard = cortado.data.dataset.TokenShard.openLlmc(out.resolve("train_000000.bin"))) {
            assertThat(shard.bytesPerToken()).isEqualTo(4);
            assertThat(shard.size() % 16).isZero();
            boolean sawEot = false;
            for (long i = 0; i < shard.size(); i++) sawEot |= shard.get(i) == 100257; // cl100k's <|endoftext|>
            assertThat(sawEot).isTrue();
        }
    }

    @Test
    void nothingLeftToWriteIsAnError() throws Exception {
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "\n");
        CliRun.Result r = run("prepare", "--input", empty.toString(), "--tokenizer", "bytes", "--out", dir.resolve("e").toString());
        assertThat(r.code()).isEqualTo(Main.FAILURE);
        assertThat(r.err()).contains("error: no documents left to write (0 read)");
        assertThat(Files.exists(dir.resolve("e").resolve("report.json"))).isTrue();
    }

    @Test
    void badArgumentsAreUsageErrors() throws Exception {
        Path f = corpus();
        assertThat(run("prepare", "--input", f.toString(), "--tokenizer", "bytes", "--out", "x", "--filters", "magic").err())
                .contains("error: --filters: unknown filter 'magic'");
        assertThat(run("prepare", "--input", f.toString(), "--tokenizer", "bytes", "--out", "x", "--near-dup-threshold", "2").code())
                .isEqualTo(Main.USAGE);
        assertThat(run("prepare", "--input", dir.resolve("missing").toString(), "--tokenizer", "bytes", "--out",
                dir.resolve("o2").toString()).err()).contains("error: " + dir.resolve("missing") + ": no such file or directory");
        assertThat(run("prepare", "--input", f.toString(), "--tokenizer", "bytes", "--out", "x",
                "--gopher-quality", "min_words=abc", "--filters", "gopher").err()).contains("min_words expects a number");
    }

    /** A WET record as Common Crawl writes one: WARC/1.0 fields, CRLF, the block of Content-Length bytes, CRLF CRLF. */
    private static String wetRecord(int n, String url, String text) {
        byte[] block = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: " + url + "\r\nWARC-Record-ID: <urn:uuid:" + n
                + ">\r\nContent-Type: text/plain\r\nContent-Length: " + block.length + "\r\n\r\n" + text + "\r\n\r\n";
    }

    @Test
    void crawlInputsGetACoverageReportAndNormalizationIsCounted() throws Exception {
        Path wet = dir.resolve("CC-MAIN-test.warc.wet");
        Files.writeString(wet, "WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
                + wetRecord(1, "https://www.example.com/a", "We Don\u2019t Know Yet\u2026 what it is.")
                + wetRecord(2, "https://example.com/b", "Another page, it's short.")
                + wetRecord(3, "https://example.org/c", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440."));
        Path out = dir.resolve("out");
        CliRun.Result r = run("prepare", "--input", wet.toString(), "--tokenizer", "bytes", "--out", out.toString(),
                "--normalize", "contractions,punctuation,lowercase", "--val-fraction", "0", "--seq", "0", "--no-shuffle");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("documents: 3 in, 3 out", "records without a document: warc.warcinfo=1",
                "wrote " + out.resolve("coverage.md"));
        Map<String, Object> report = Json.parseObject(Files.readString(out.resolve("report.json")));
        Map<?, ?> normalized = (Map<?, ?>) ((Map<?, ?>) report.get("cleaning")).get("normalized");
        assertThat(normalized.get("contractions")).isEqualTo(Map.of("documents", 2L, "replacements", 2L));
        assertThat(normalized.get("punctuation")).isEqualTo(Map.of("documents", 1L, "replacements", 1L));
        // "We Do not Know Yet... what it is." has W, D, K, Y; "Another" has A; the Cyrillic line has one capital.
        assertThat(normalized.get("lowercase")).isEqualTo(Map.of("documents", 3L, "replacements", 6L));
        Map<String, Object> cov = Json.parseObject(Files.readString(out.resolve("coverage.json")));
        Map<?, ?> wetCounts = (Map<?, ?>) ((Map<?, ?>) cov.get("sources")).get("wet");
        assertThat(wetCounts.get("domains")).isEqualTo(Map.of("example.com", 2L, "example.org", 1L));
        assertThat(wetCounts.get("scripts")).isEqualTo(Map.of("latin", 2L, "cyrillic", 1L));
        for (String f : new String[] {"coverage.md", "coverage-scripts.png", "coverage-domains.png", "coverage-lengths.png",
                "coverage-removed.png"})
            assertThat(out.resolve(f)).exists();
        // Shards hold the normalized text (llm.c layout: a 1024-byte header, then uint16 tokens; byte tokens < 256).
        byte[] shard = Files.readAllBytes(out.resolve("train_000000.bin"));
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        for (int i = 1024; i + 1 < shard.length; i += 2) {
            int id = (shard[i] & 0xff) | (shard[i + 1] & 0xff) << 8;
            text.write(id < 256 ? id : '|');
        }
        assertThat(text.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("we do not know yet... what it is.|");

        CliRun.Result bad = run("prepare", "--input", wet.toString(), "--tokenizer", "bytes", "--out", out.toString(),
                "--normalize", "stemming");
        assertThat(bad.code()).isEqualTo(Main.USAGE);
        assertThat(bad.err()).contains("--normalize: unknown normalization 'stemming'");
    }
}
