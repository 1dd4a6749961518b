package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** BM25 scores against the formula worked by hand on three documents. */
class Bm25Test {
    private static final List<String> DOCS = List.of(
            "The cat sat on the mat.",          // 6 terms: the cat sat on the mat
            "A dog chased the cat, the cat ran.", // 8 terms: a dog chased the cat the cat ran
            "Dogs bark.");                      // 2 terms: dogs bark

    @Test
    void scoresMatchAHandComputation() {
        Bm25 bm25 = new Bm25(DOCS);
        double avgdl = (6 + 8 + 2) / 3.0, k1 = 1.2, b = 0.75;
        // "cat": in docs 0 (tf 1) and 1 (tf 2); N = 3, n = 2: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6)
        double idfCat = Math.log(1.6);
        // "dog": only doc 1 (tf 1); idf = ln(1 + 2.5 / 1.5) = ln(8/3)
        double idfDog = Math.log(8.0 / 3);
        assertThat(bm25.idf("cat")).isCloseTo(idfCat, within(1e-12));
        assertThat(bm25.idf("dog")).isCloseTo(idfDog, within(1e-12));
        double d0 = idfCat * 1 * (k1 + 1) / (1 + k1 * (1 - b + b * 6 / avgdl));
        double d1 = idfCat * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 8 / avgdl))
                + idfDog * 1 * (k1 + 1) / (1 + k1 * (1 - b + b * 8 / avgdl));
        double[] s = bm25.scores("cat dog");
        assertThat(s[0]).isCloseTo(d0, within(1e-12));
        assertThat(s[1]).isCloseTo(d1, within(1e-12));
        assertThat(s[2]).isZero();   // "dogs" is not "dog": no stemming
        // A repeated query term counts twice, as rank_bm25's get_scores.
        assertThat(bm25.scores("cat cat")[0]).isCloseTo(2 * d0, within(1e-12));
        assertThat(bm25.search("cat dog", 5)).extracting(SearchHit::id).containsExactly(1, 0);
        assertThat(bm25.search("unicorn", 5)).isEmpty();
    }

    @Test
    void termsAreLowercasedLetterAndDigitRuns() {
        assertThat(Bm25.terms("Straße, GPT-2's 124M café!")).containsExactly("straße", "gpt", "2", "s", "124m", "café");
        assertThat(Bm25.terms(" ... ")).isEmpty();
    }
}
