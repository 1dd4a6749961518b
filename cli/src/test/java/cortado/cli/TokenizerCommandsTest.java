package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.data.tokenizer.HfTokenizerJson;
import cortado.data.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer commands end to end, in process: tokenize, tokenizer train, bench tokenize, and their errors. */
class TokenizerCommandsTest {
    static final Path RES = Path.of("../data/src/test/resources/tokenizer");

    @TempDir Path dir;

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void tokenizeWritesOneIdArrayPerLine() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.write(in, new byte[] {'H', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n', '<', '|', 'e', 'n', 'd', 'o', 'f',
                't', 'e', 'x', 't', '|', '>', '\n', (byte) 0xff, 'x', '\n'});
        Path out = dir.resolve("ids.jsonl");
        CliRun.Result r = run("tokenize", "--tokenizer", RES.resolve("gpt2").toString(), "--input", in.toString(), "--output", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // Ids from tiktoken gpt2: "Hello world" = [15496, 995]; the special string is text unless allowed; the invalid
        // byte becomes U+FFFD, which with "x" is [4210, 87].
        assertThat(Files.readAllLines(out)).containsExactly("[15496,995]", "[27,91,437,1659,5239,91,29]", "[4210,87]");
        r = run("tokenize", "--tokenizer", RES.resolve("gpt2").toString(), "--input", in.toString(), "--allowed-special", "all");
        assertThat(r.out().lines().toList()).containsExactly("[15496,995]", "[50256]", "[4210,87]");
    }

    @Test
    void tokenizeMatchesAddedTokensOfATokenizerJsonUnlessAskedNotTo() throws Exception {
        // A Llama-3-style tokenizer.json trained by HF (tools/tokenizers/hf_pipeline_goldens.py): HF's ids for these
        // two lines, with <|begin_of_text|> (id 0) matched, and read as text under --special-as-text.
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "<|begin_of_text|>the\nthe<|eot_id|>\n");
        Path tok = RES.resolve("hf/llama3.json.gz");
        CliRun.Result r = run("tokenize", "--tokenizer", tok.toString(), "--input", in.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        Tokenizer t = HfTokenizerJson.load(tok);
        assertThat(lines.get(0)).startsWith("[0,").isEqualTo(ids(t.encode("<|begin_of_text|>the")));
        assertThat(lines.get(1)).endsWith(",2]");
        r = run("tokenize", "--tokenizer", tok.toString(), "--input", in.toString(), "--special-as-text");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList().get(0)).isEqualTo(ids(t.encodeOrdinary("<|begin_of_text|>the"))).doesNotStartWith("[0,");
        r = run("tokenize", "--tokenizer", tok.toString(), "--input", in.toString(), "--allowed-special", "all");
        assertThat(r.code()).isEqualTo(2);
    }

    private static String ids(int[] a) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) b.append(i > 0 ? "," : "").append(a[i]);
        return b.append(']').toString();
    }

    @Test
    void trainWritesATokenizerJsonThatLoads() throws Exception {
        Path out = dir.resolve("tok.json");
        CliRun.Result r = run("tokenizer", "train", "--input", RES.resolve("train.txt").toString(), "--vocab-size", "400", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Tokenizer t = HfTokenizerJson.load(out);
        assertThat(t.vocabSize()).isEqualTo(400);
        assertThat(t.decode(t.encode("the tokenizer model"))).isEqualTo("the tokenizer model");
        r = run("tokenizer", "train", "--type", "wordpiece", "--input", RES.resolve("train.txt").toString(), "--vocab-size", "300",
                "--out", dir.resolve("wp.json").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(HfTokenizerJson.load(dir.resolve("wp.json")).vocabSize()).isLessThanOrEqualTo(300);
    }

    /** A .jsonl input trains on each line's "text", exactly as a text file of the same texts does. */
    @Test
    void trainReadsTheTextOfJsonl() throws Exception {
        var texts = new java.util.ArrayList<String>();
        TokenizerTrainCommand.readLines(RES.resolve("train.txt"), texts);
        StringBuilder jsonl = new StringBuilder();
        for (String t : texts) jsonl.append(Json.write(Map.of("text", t))).append('\n');
        Path in = dir.resolve("docs.jsonl");
        Files.writeString(in, jsonl);
        CliRun.Result r = run("tokenizer", "train", "--input", in.toString(), "--vocab-size", "400", "--out",
                dir.resolve("from-jsonl.json").toString());
        assertThat(r.code()).as(r.err()).isZero();
        r = run("tokenizer", "train", "--input", RES.resolve("train.txt").toString(), "--vocab-size", "400", "--out",
                dir.resolve("from-text.json").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(dir.resolve("from-jsonl.json"))).isEqualTo(Files.readString(dir.resolve("from-text.json")));
        Files.writeString(in, "{\"text\": \"fine\"}\n{\"body\": \"no text\"}\n");
        r = run("tokenizer", "train", "--input", in.toString(), "--vocab-size", "400", "--out", dir.resolve("x.json").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + in + ":2: expected {\"text\": \"...\"}\n");
    }

    /** Every WordPiece option reaches the trainer (whose output WordPieceTrainerParityTest checks against HF's). */
    @Test
    void wordPieceOptionsReachTheTrainer() throws Exception {
        Path in = RES.resolve("train.txt"), out = dir.resolve("wp.json");
        CliRun.Result r = run("tokenizer", "train", "--type", "wordpiece", "--input", in.toString(), "--vocab-size", "350",
                "--min-frequency", "3", "--cased", "--limit-alphabet", "50", "--initial-alphabet", "é€",
                "--special-tokens", "[UNK],[SEP],[CLS]", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        var texts = new java.util.ArrayList<String>();
        TokenizerTrainCommand.readLines(in, texts);
        var expected = cortado.data.tokenizer.WordPieceTrainer.train(texts, new cortado.data.tokenizer.WordPieceTrainer.Config(350,
                List.of("[UNK]", "[SEP]", "[CLS]"), 3, false, 50, java.util.Set.of((int) 'é', (int) '€'), 1), null);
        HfTokenizerJson.save(expected, dir.resolve("api.json"));
        assertThat(Files.readString(out)).isEqualTo(Files.readString(dir.resolve("api.json")));
        r = run("tokenizer", "train", "--type", "wordpiece", "--input", in.toString(), "--vocab-size", "300",
                "--special-tokens", "[CLS],[SEP]", "--out", out.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("[UNK]");
    }

    @Test
    void benchPrintsOneJsonLine() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "The quick brown fox jumps over the lazy dog.\n".repeat(200));
        CliRun.Result r = run("bench", "tokenize", "--tokenizer", RES.resolve("cl100k_base.tiktoken.gz").toString(), "--input", in.toString(),
                "--warmup", "1", "--runs", "3");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> line = Json.parseObject(r.out().strip());
        assertThat(((Number) line.get("mb_per_s")).doubleValue()).isPositive();
        assertThat(((Number) line.get("tokens")).longValue()).isEqualTo(2000L);  // tiktoken cl100k_base gives 2000 for this text
    }

    @Test
    void badTokenizerFileIsOneErrorLine() throws Exception {
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\",\n \"vocab\": }");
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "x\n");
        CliRun.Result r = run("tokenize", "--tokenizer", bad.toString(), "--input", in.toString());
        assertThat(r.code()).isEqualTo(1);
        List<String> lines = r.err().lines().toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("error: " + bad).contains("malformed JSON").contains("line 2");
        Path vocab = dir.resolve("vocab.txt");
        Files.writeString(vocab, "[UNK]\na\na\n");
        r = run("tokenize", "--tokenizer", vocab.toString(), "--input", in.toString());
        assertThat(r.err().strip()).isEqualTo("error: " + vocab + ":3: token 'a' repeats line 2");
    }
}
