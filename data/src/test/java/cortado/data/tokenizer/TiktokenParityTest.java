package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

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
    void gpt2FromRankFileMatchesTheEncoderJsonLoad(@TempDir Path dir) throws Exception {
        // The same vocabulary through the other loader: a .tiktoken rank file (base64 bytes, rank) written from the
        // encoder.json load, read by TiktokenFile, must give the same bytes for every id and the same ids for every
        // corpus case, as ordinary text and with special tokens allowed.
        StringBuilder ranks = new StringBuilder();
        for (int id = 0; id < GPT2.ordinaryIds(); id++) {
            byte[] b = GPT2.tokenBytes(id);
            if (b != null) ranks.append(Base64.getEncoder().encodeToString(b)).append(' ').append(id).append('\n');
        }
        Path f = dir.resolve("gpt2.tiktoken");
        Files.writeString(f, ranks);
        BpeTokenizer fromRanks = TiktokenFile.load(f);
        assertThat(fromRanks.vocabSize()).isEqualTo(GPT2.vocabSize()).isEqualTo(50257);
        assertThat(fromRanks.endOfTextId()).isEqualTo(GPT2.endOfTextId()).isEqualTo(50256);
        for (int id = 0; id < GPT2.vocabSize(); id++) assertThat(fromRanks.tokenBytes(id)).isEqualTo(GPT2.tokenBytes(id));
        int differ = 0;
        for (String t : Resources.corpus()) {
            if (!Arrays.equals(fromRanks.encode(t), GPT2.encode(t))
                    || !Arrays.equals(fromRanks.encodeWithSpecialTokens(t), GPT2.encodeWithSpecialTokens(t))) differ++;
        }
        assertThat(differ).as("corpus cases where the two loaders' ids differ").isZero();
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
