package cortado.data.tokenizer;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BPE and WordPiece training on tokenizer/train.txt. The byte-level BPE trainer reproduces HF's BpeTrainer exactly
 * (same vocabulary and merge list on the same input and settings; the WordPiece trainer's parity with HF is
 * WordPieceTrainerParityTest); the committed cortado_trained_*.json files (which
 * HF encodes in HfTokenizerJsonTest) are exactly what the trainers produce today.
 */
class TrainerTest {
    static List<String> lines() throws IOException {
        return WordCounter.lines(Files.readString(Resources.path("train.txt")));
    }

    static BpeTokenizer trainBpe() throws IOException {
        return BpeTrainer.train(lines(), new BpeTrainer.Config(1000, List.of("<|endoftext|>"), 2,
                SplitPatterns.GPT2_ORIGINAL, 2), null);
    }

    /** Llama 3's pre-tokenization (a Split regex before ByteLevel in tokenizer.json) and its ignore_merges rule. */
    static BpeTokenizer trainBpeLlama3() throws IOException {
        return BpeTrainer.train(lines(), new BpeTrainer.Config(600, List.of("<|begin_of_text|>", "<|end_of_text|>"), 2,
                SplitPatterns.LLAMA3, 2), null).withWholePieceLookup(true);
    }

    static WordPieceTokenizer trainWordPiece() throws IOException {
        return WordPieceTrainer.train(lines(), new WordPieceTrainer.Config(800, VocabTxt.BERT_SPECIALS, 2, true, 2), null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void bpeTrainerReproducesHfTrainer() throws IOException {
        Map<String, Object> ours = HfTokenizerJson.bpeJson(trainBpe());
        Map<String, Object> hf = Json.parseObject(Files.readString(Resources.path("hf_trained_bpe.json")));
        Map<String, Object> om = (Map<String, Object>) ours.get("model"), hm = (Map<String, Object>) hf.get("model");
        assertThat(Json.write(om.get("merges"))).isEqualTo(Json.write(hm.get("merges")));
        assertThat(om.get("vocab")).isEqualTo(normalizeIds((Map<String, Object>) hm.get("vocab")));
    }

    @Test
    void committedCortadoFilesAreCurrent() throws IOException {
        assertThat(Json.write(HfTokenizerJson.bpeJson(trainBpe())))
                .isEqualTo(Files.readString(Resources.path("cortado_trained_bpe.json")));
        assertThat(Json.write(HfTokenizerJson.wordPieceJson(trainWordPiece())))
                .isEqualTo(Files.readString(Resources.path("cortado_trained_wordpiece.json")));
        assertThat(Json.write(HfTokenizerJson.bpeJson(trainBpeLlama3())))
                .isEqualTo(Files.readString(Resources.path("cortado_trained_bpe_llama3.json")));
    }

    @Test
    void wordPieceVocabularyCoversTrainingText() throws IOException {
        WordPieceTokenizer wp = trainWordPiece();
        assertThat(wp.vocabSize()).isLessThanOrEqualTo(800).isGreaterThan(500);
        int unk = wp.tokenId("[UNK]");
        for (String line : lines().subList(0, 200)) assertThat(wp.encode(line)).doesNotContain(unk);
        assertThat(wp.decode(wp.encode("the tokenizer model"))).isEqualTo("the tokenizer model");
    }

    private static Map<String, Object> normalizeIds(Map<String, Object> m) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, ((Number) v).intValue()));
        return out;
    }
}
