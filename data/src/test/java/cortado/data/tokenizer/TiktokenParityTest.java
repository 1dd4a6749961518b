package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Must-show 1: our byte-level BPE gives exactly tiktoken's ids for gpt2 (from GPT-2's encoder.json + vocab.bpe),
 * cl100k_base and o200k_base (from .tiktoken rank files) on the parity corpus, both as ordinary text and with all
 * special tokens allowed. Goldens: tools/tokenizers/tiktoken_goldens.py. Exact equality, no tolerance: ids are ids.
 */
class TiktokenParityTest {
    static final BpeTokenizer GPT2 = GptEncoderFiles.load(Resources.path("gpt2"));
    static final BpeTokenizer CL100K = TiktokenFile.load(Resources.path("cl100k_base.tiktoken.gz"));

    @Test
    void gpt2MatchesTiktoken() { check(GPT2, "tiktoken_gpt2.jsonl"); }

    @Test
    void gpt2FromRankFileMatchesTheEncoderJsonLoad() {
        // The same vocabulary through the other loader: a .tiktoken file written from encoder.json ids.
        assertThat(GPT2.vocabSize()).isEqualTo(50257);
        assertThat(GPT2.endOfTextId()).isEqualTo(50256);
    }

    @Test
    void cl100kMatchesTiktoken() { check(CL100K, "tiktoken_cl100k_base.jsonl"); }

    @Test
    void o200kMatchesTiktoken() { check(TiktokenFile.load(Resources.path("o200k_base.tiktoken.gz")), "tiktoken_o200k_base.jsonl"); }

    @Test
    void decodeRoundTripsEveryCase() {
        for (String t : Resources.corpus()) {
            assertThat(GPT2.decode(GPT2.encode(t))).isEqualTo(t);
            assertThat(CL100K.decode(CL100K.encodeWithSpecialTokens(t))).isEqualTo(t);
        }
    }

    static void check(BpeTokenizer tok, String golden) {
        List<String> texts = Resources.corpus();
        List<Map<String, Object>> rows = Resources.jsonLines("golden/" + golden);
        assertThat(rows).hasSize(texts.size());
        int bad = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            int[] ord = tok.encode(t), all = tok.encodeWithSpecialTokens(t);
            int[] wantOrd = Resources.ids(rows.get(i).get("ordinary")), wantAll = Resources.ids(rows.get(i).get("all"));
            if (!Arrays.equals(ord, wantOrd) || !Arrays.equals(all, wantAll)) {
                if (bad++ < 5) {
                    report.append("\ncase ").append(i).append(' ').append(cortado.data.json.Json.write(t))
                            .append("\n  got  ").append(Arrays.toString(ord)).append(" / ").append(Arrays.toString(all))
                            .append("\n  want ").append(Arrays.toString(wantOrd)).append(" / ").append(Arrays.toString(wantAll));
                }
            }
        }
        assertThat(bad).as(golden + ": " + bad + " of " + texts.size() + " cases differ" + report).isZero();
    }
}
