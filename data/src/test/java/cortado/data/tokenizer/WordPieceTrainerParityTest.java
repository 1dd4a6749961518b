package cortado.data.tokenizer;

import cortado.data.json.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cortado's WordPiece trainer against HF tokenizers' WordPieceTrainer (goldens: tools/tokenizers/
 * wordpiece_trainer_goldens.py): on train.txt and the mixed-script corpus (CJK, emoji, RTL, rare code points), with
 * vocabulary sizes that stop training and one that runs out of pairs, min_frequency 1-4, cased and uncased, an alphabet
 * limit, an initial alphabet and special-token lists in odd orders (with a repeat), the tokenizer.json Cortado writes
 * equals HF's exactly (every field, every id). HF gives the ##c tokens ids in a random hash order, so each golden case
 * holds two HF runs that differ; the test reads each run's ##c order from its vocabulary and passes it in, and must
 * then reproduce that run, including the merges its ids decided. No tolerance: the comparison is exact.
 */
class WordPieceTrainerParityTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> trainedTokenizerJsonIsHfs() throws IOException {
        List<Object> cases = (List<Object>) Json.parse(Files.readString(Resources.path("wordpiece_trainer/cases.json")));
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            for (Object f : (List<Object>) c.get("hf_files")) {
                tests.add(DynamicTest.dynamicTest(c.get("name") + " / " + f, () -> {
                    Map<String, Object> hf = Json.parseObject(gunzip("wordpiece_trainer/" + f));
                    WordPieceTokenizer ours = WordPieceTrainer.train(texts((String) c.get("corpus")), config(c), null,
                            continuingOrder(hf));
                    Map<String, Object> mine = Json.parseObject(Json.write(HfTokenizerJson.wordPieceJson(ours)));
                    assertThat(((Map<String, Object>) mine.get("model")).get("vocab"))
                            .isEqualTo(((Map<String, Object>) hf.get("model")).get("vocab"));
                    assertThat(mine).isEqualTo(hf);
                }));
            }
        }
        return tests.stream();
    }

    /** The two HF runs of a case differ, so the order passed in is what decides the result (not a test that can't fail). */
    @Test
    @SuppressWarnings("unchecked")
    void hfRunsDifferWithTheirOrder() throws IOException {
        Map<String, Object> a = Json.parseObject(gunzip("wordpiece_trainer/train_uncased_800.0.json.gz"));
        Map<String, Object> b = Json.parseObject(gunzip("wordpiece_trainer/train_uncased_800.1.json.gz"));
        assertThat(continuingOrder(a)).isNotEqualTo(continuingOrder(b));
        assertThat(((Map<String, Object>) a.get("model")).get("vocab")).isNotEqualTo(((Map<String, Object>) b.get("model")).get("vocab"));
    }

    /** Without an order given, training is deterministic (sorted words) and every special token keeps its id. */
    @Test
    void defaultOrderIsDeterministic() {
        List<String> lines = texts("train.txt");
        var cfg = new WordPieceTrainer.Config(500, List.of("[UNK]", "[CLS]", "[SEP]"), 2, true, 2);
        WordPieceTokenizer one = WordPieceTrainer.train(lines, cfg, null), two = WordPieceTrainer.train(lines, cfg, null);
        assertThat(Json.write(HfTokenizerJson.wordPieceJson(one))).isEqualTo(Json.write(HfTokenizerJson.wordPieceJson(two)));
        assertThat(one.vocabSize()).isEqualTo(500);
        assertThat(one.tokenId("[UNK]")).isZero();
        assertThat(one.tokenId("[SEP]")).isEqualTo(2);
    }

    @SuppressWarnings("unchecked")
    private static WordPieceTrainer.Config config(Map<String, Object> c) {
        Set<Integer> initial = new HashSet<>();
        ((String) c.get("initial_alphabet")).codePoints().forEach(initial::add);
        return new WordPieceTrainer.Config(((Number) c.get("vocab_size")).intValue(), (List<String>) (List<?>) c.get("special_tokens"),
                ((Number) c.get("min_frequency")).longValue(), (Boolean) c.get("lowercase"),
                ((Number) c.get("limit_alphabet")).intValue(), initial, 2);
    }

    /** The code points c whose single-symbol ##c token is in HF's vocabulary, in id order. */
    @SuppressWarnings("unchecked")
    static List<Integer> continuingOrder(Map<String, Object> hf) {
        Map<String, Object> vocab = (Map<String, Object>) ((Map<String, Object>) hf.get("model")).get("vocab");
        return vocab.entrySet().stream()
                .filter(e -> e.getKey().startsWith("##") && e.getKey().codePointCount(2, e.getKey().length()) == 1)
                .sorted(Comparator.comparingInt(e -> ((Number) e.getValue()).intValue()))
                .map(e -> e.getKey().codePointAt(2)).toList();
    }

    /** The corpus as the generator feeds HF: a file's lines split at "\n" (kept), or the texts of a .jsonl. */
    static List<String> texts(String corpus) {
        if (corpus.endsWith(".jsonl")) {
            List<String> out = new ArrayList<>();
            for (Map<String, Object> row : Resources.jsonLines(corpus)) out.add((String) row.get("text"));
            return out;
        }
        try {
            return WordCounter.lines(Files.readString(Resources.path(corpus)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String gunzip(String rel) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Resources.path(rel)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
