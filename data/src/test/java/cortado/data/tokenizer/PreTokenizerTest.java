package cortado.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written scanners split exactly as the patterns they stand for (java.util.regex with the Rust translation,
 * itself checked against tiktoken through the parity goldens), on the parity corpus and on 20,000 random strings drawn
 * from characters chosen to hit every alternative.
 */
class PreTokenizerTest {
    static final String[] POOL = {
            "a", "b", "Z", "é", "ß", "ſ", "İ", "中", "あ", "한", "ل", "\u064e", "e\u0301", "\uD835\uDC00", "\uD83D\uDE00",
            "0", "7", "½", "١", "Ⅷ", " ", " ", " ", "  ", "\n", "\r", "\r\n", "\t", "\u000b", "\u000c", "\u0085", "\u00a0",
            "\u3000", "\u2028", "\u200b", "'", "'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'Ll", "'d", "'ſ", "!", ".",
            ",", "(", ")", "/", "-", "_", "$", "=", "#", "\"", "<|endoftext|>", "\ufffd",
    };

    static List<String> pieces(PreTokenizer p, String s) {
        List<String> out = new ArrayList<>();
        p.split(s, 0, s.length(), (a, b) -> out.add(s.substring(a, b)));
        return out;
    }

    static void agree(String pattern, PreTokenizer fast) {
        RegexPreTokenizer regex = new RegexPreTokenizer(pattern);
        for (String t : Resources.corpus()) assertThat(pieces(fast, t)).as(t).isEqualTo(pieces(regex, t));
        Random rnd = new Random(42);
        for (int trial = 0; trial < 20_000; trial++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + rnd.nextInt(24);
            for (int i = 0; i < n; i++) b.append(POOL[rnd.nextInt(POOL.length)]);
            String t = b.toString();
            assertThat(cortado.data.json.Json.write(pieces(fast, t))).as(cortado.data.json.Json.write(t))
                    .isEqualTo(cortado.data.json.Json.write(pieces(regex, t)));
        }
    }

    @Test
    void gpt2ScannerEqualsBothGpt2Patterns() {
        agree(SplitPatterns.GPT2, new Gpt2PreTokenizer());
        agree(SplitPatterns.GPT2_ORIGINAL, new Gpt2PreTokenizer());
    }

    @Test
    void cl100kScannerEqualsCl100kAndLlama3Patterns() {
        agree(SplitPatterns.CL100K, new Cl100kPreTokenizer(true));
        agree(SplitPatterns.LLAMA3, new Cl100kPreTokenizer(false));
    }

    @Test
    void regionEndActsAsEndOfText() {
        String s = "ab   cd";
        List<String> out = new ArrayList<>();
        new Gpt2PreTokenizer().split(s, 0, 5, (a, b) -> out.add(s.substring(a, b)));
        assertThat(out).containsExactly("ab", "   ");
    }
}
