package cortado.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static cortado.metrics.Golden.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * ROUGE against Google's rouge-score: its published unit tests (rouge_scorer_test.py, whose inputs and expected
 * values are restated below), and rouge_golden.json, written by running rouge-score's RougeScorer and NLTK's
 * PorterStemmer on a seeded random corpus. Tolerance: 1e-12 (the scores are ratios of small integers computed in one
 * division each; anything but the same counts is off by far more); the published tests use assertAlmostEqual's
 * 7 places, or 3 to 5 where they say so.
 */
class RougeParityTest {
    private static final Map<String, Object> G = load("rouge_golden.json");

    private static Rouge.Score score(String type, boolean stem, String target, String prediction) {
        return new Rouge(List.of(type), stem).score(target, prediction).get(type);
    }

    private static void assertScore(Rouge.Score s, double p, double r, double f, double tol) {
        assertThat(s.precision()).as("precision").isCloseTo(p, within(tol));
        assertThat(s.recall()).as("recall").isCloseTo(r, within(tol));
        assertThat(s.fmeasure()).as("fmeasure").isCloseTo(f, within(tol));
    }

    @Test
    void publishedUnitTestCases() {
        double places7 = 1e-7;
        assertScore(score("rouge1", false, "testing one two", "testing"), 1, 1 / 3.0, 1 / 2.0, places7);
        for (String t : List.of("rouge1", "rouge2", "rougeL", "rougeLsum"))
            assertScore(score(t, false, "testing one two", ""), 0, 0, 0, places7);
        assertScore(score("rouge2", false, "testing one two", "testing one"), 1, 1 / 2.0, 2 / 3.0, places7);
        assertScore(score("rougeL", false, "testing one two", "testing one"), 1, 2 / 3.0, 4 / 5.0, places7);
        assertScore(score("rougeL", false, "testing one two", "testing two"), 1, 2 / 3.0, 4 / 5.0, places7);
        Map<String, Rouge.Score> both = new Rouge(List.of("rouge1", "rougeL"), false).score("testing one two", "testing one");
        assertThat(both.keySet()).containsExactly("rouge1", "rougeL");
        assertScore(both.get("rouge1"), 1, 2 / 3.0, 4 / 5.0, places7);
        assertScore(both.get("rougeL"), 1, 2 / 3.0, 4 / 5.0, places7);
        // testRougeLsum: the union-LCS example of section 3.2 of Lin (2004)
        assertScore(score("rougeLsum", false, "w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"), 0.4, 0.8, 0.5333, 1e-3);
        assertScore(score("rougeLsum", false, "w1 w2 w3 w4 w5", ""), 0, 0, 0, 1e-3);
        assertScore(score("rougeLsum", false, "", "w1"), 0, 0, 0, 1e-3);
        assertScore(score("rougeLsum", false, "w1 w2 w3 w4 w5", "/"), 0, 0, 0, 1e-3);
    }

    @Test
    void publishedLcsHelpers() {
        // testLcsTable and testUnionLcs, on tokens instead of ints
        List<String> ref = List.of("1", "2", "3", "4", "5");
        assertThat(Rouge.lcsTable(ref, List.of("2", "5", "3", "4"))[5][4]).isEqualTo(3);
        assertThat(Rouge.lcsIndices(ref, List.of("2", "5", "3", "4"))).containsExactly(1, 2, 3);
        assertThat(Rouge.lcsIndices(ref, List.of("8", "9"))).isEmpty();
        Rouge.Score s = Rouge.summaryLcs(List.of(ref), List.of(List.of("1", "2", "6", "7", "8"), List.of("1", "3", "8", "9", "5")));
        assertThat(s.recall()).isEqualTo(0.8);
        assertThat(s.precision()).isEqualTo(0.4);
        assertThat(Rouge.summaryLcs(List.of(List.of("reference")), List.of(List.of())).recall()).isEqualTo(0.0);
    }

    @Test
    void invalidTypesAreRejectedAsRougeScoreDoes() {
        for (String t : List.of("rougen", "rouge0", "rouge10"))
            assertThatThrownBy(() -> new Rouge(List.of(t), false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void porterStemmerEqualsNltk() {
        PorterStemmer stemmer = new PorterStemmer();
        int n = 0;
        for (Object o : list(G.get("stems"))) {
            List<String> pair = strings(o);
            assertThat(stemmer.stem(pair.get(0))).as("stem of " + pair.get(0)).isEqualTo(pair.get(1));
            n++;
        }
        assertThat(n).isGreaterThan(900);
    }

    @Test
    void randomCorpusEqualsRougeScore() {
        for (Object o : list(G.get("cases"))) {
            Map<String, Object> c = map(o);
            Map<String, Object> expected = map(c.get("scores"));
            Rouge rouge = new Rouge(List.copyOf(expected.keySet()), flag(c, "stemmer"));
            Map<String, Rouge.Score> got = rouge.score((String) c.get("target"), (String) c.get("prediction"));
            for (String type : expected.keySet()) {
                double[] e = numbers(expected.get(type));
                assertThat(new double[] {got.get(type).precision(), got.get(type).recall(), got.get(type).fmeasure()})
                        .as(type + " stem=" + c.get("stemmer") + " on [" + c.get("target") + "] vs [" + c.get("prediction") + "]")
                        .containsExactly(e, within(1e-12));
            }
        }
    }
}
