package cortado.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static cortado.metrics.Golden.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * BLEU, chrF, chrF++ and TER against sacreBLEU 2.6 (sacrebleu_golden.json: a seeded random corpus with Unicode,
 * punctuation, numbers, XML entities and edge lines, a Chinese one, and sacreBLEU's README example).
 *
 * <p>Tolerance: 0.01 on the 0..100 scale, the precision sacreBLEU reports (two decimals) and the bar; every
 * case is also counted against 1e-9 (the same formula in the same double arithmetic leaves only summation-order
 * rounding), and all of them must match that closely: a tokenizer or counting difference moves a score by far more.
 * n-gram counts, totals and lengths must be equal, and tokenizer output identical, string for string.
 */
class SacrebleuParityTest {
    static final double REPORTED = 0.01, ARITHMETIC = 1e-9;
    private static final Map<String, Object> G = load("sacrebleu_golden.json");

    private static List<String> hyps(Map<String, Object> c) {
        return strings(map(map(G.get("corpora")).get((String) c.get("corpus"))).get("hyps"));
    }

    private static List<List<String>> refs(Map<String, Object> c) {
        List<List<String>> all = streams(map(map(G.get("corpora")).get((String) c.get("corpus"))).get("refs"));
        return all.subList(0, ((Number) c.get("nrefs")).intValue());
    }

    static Bleu.Options bleuOptions(Map<String, Object> o) {
        Bleu.Options b = Bleu.Options.defaults()
                .withTokenizer(SegmentTokenizer.named((String) o.getOrDefault("tokenize", "13a")))
                .withLowercase(flag(o, "lowercase"))
                .withSmooth(Bleu.Smooth.named((String) o.getOrDefault("smooth_method", "exp")),
                        o.containsKey("smooth_value") ? number(o.get("smooth_value")) : Double.NaN)
                .withEffectiveOrder(flag(o, "effective_order"));
        if (o.containsKey("max_ngram_order"))
            b = new Bleu.Options(b.tokenizer(), b.lowercase(), b.smooth(), b.smoothValue(),
                    ((Number) o.get("max_ngram_order")).intValue(), b.effectiveOrder());
        return b;
    }

    static Chrf.Options chrfOptions(Map<String, Object> o) {
        return new Chrf.Options(6, o.containsKey("word_order") ? ((Number) o.get("word_order")).intValue() : 0,
                o.containsKey("beta") ? ((Number) o.get("beta")).intValue() : 2, flag(o, "lowercase"),
                flag(o, "whitespace"), flag(o, "eps_smoothing"));
    }

    static Ter.Options terOptions(Map<String, Object> o) {
        return new Ter.Options(flag(o, "normalized"), flag(o, "no_punct"), flag(o, "asian_support"),
                flag(o, "case_sensitive"));
    }

    @Test
    void readmeExampleScoresAsDocumented() {
        // sacreBLEU's README: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
        // and chrF2 = 59.73 for its three-sentence system against two reference streams.
        List<String> sys = List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
        List<List<String>> refs = List.of(
                List.of("The dog bit the man.", "It was not unexpected.", "The man bit him first."),
                List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
        Bleu.Score b = new Bleu().corpus(sys, refs);
        assertThat(b.score()).isCloseTo(48.53, within(0.005));
        assertThat(b.precisions()).containsExactly(new double[] {82.4, 50.0, 45.5, 37.5}, within(0.05));
        assertThat(b.bp()).isCloseTo(0.943, within(0.0005));
        assertThat(b.sysLen()).isEqualTo(17);
        assertThat(b.refLen()).isEqualTo(18);
        assertThat(new Chrf(Chrf.Options.chrf()).corpus(sys, refs).score()).isCloseTo(59.73, within(0.005));
    }

    @Test
    void bleuCorpusScoresEqualSacrebleu() {
        int exact = 0, n = 0;
        for (Object o : list(G.get("bleu"))) {
            Map<String, Object> c = map(o);
            Bleu.Score s = new Bleu(bleuOptions(map(c.get("options")))).corpus(hyps(c), refs(c));
            String what = "BLEU " + c.get("corpus") + " " + c.get("options") + " refs=" + c.get("nrefs");
            assertThat(s.score()).as(what).isCloseTo(number(c.get("score")), within(REPORTED));
            assertThat(s.counts()).as(what + " counts").containsExactly(numbers(c.get("counts")), within(0.0));
            assertThat(s.totals()).as(what + " totals").containsExactly(numbers(c.get("totals")), within(0.0));
            assertThat(s.precisions()).as(what + " precisions").containsExactly(numbers(c.get("precisions")), within(REPORTED));
            assertThat(s.bp()).as(what + " bp").isCloseTo(number(c.get("bp")), within(1e-12));
            assertThat(s.sysLen()).as(what).isEqualTo(((Number) c.get("sys_len")).longValue());
            assertThat(s.refLen()).as(what).isEqualTo(((Number) c.get("ref_len")).longValue());
            n++;
            if (Math.abs(s.score() - number(c.get("score"))) <= ARITHMETIC) exact++;
        }
        assertThat(exact).as("BLEU cases within 1e-9").isEqualTo(n);
    }

    @Test
    void bleuSentenceScoresEqualSacrebleu() {
        int exact = 0, n = 0;
        for (Object o : list(G.get("bleu_sentences"))) {
            Map<String, Object> c = map(o);
            Bleu.Score s = new Bleu(bleuOptions(map(c.get("options")))).sentence((String) c.get("hyp"), strings(c.get("refs")));
            assertThat(s.score()).as("sentence BLEU " + c).isCloseTo(number(c.get("score")), within(REPORTED));
            n++;
            if (Math.abs(s.score() - number(c.get("score"))) <= ARITHMETIC) exact++;
        }
        assertThat(exact).as("sentence BLEU cases within 1e-9").isEqualTo(n);
    }

    @Test
    void tokenizersEqualSacrebleus() {
        for (Object o : list(G.get("tokenizers"))) {
            Map<String, Object> c = map(o);
            String line = (String) c.get("line");
            for (String name : List.of("13a", "intl", "zh", "char"))
                assertThat(SegmentTokenizer.named(name).tokenize(line)).as(name + " on [" + line + "]").isEqualTo(c.get(name));
        }
    }

    @Test
    void chrfCorpusAndSentenceScoresEqualSacrebleu() {
        int exact = 0, n = 0;
        for (Object o : list(G.get("chrf"))) {
            Map<String, Object> c = map(o);
            double s = new Chrf(chrfOptions(map(c.get("options")))).corpus(hyps(c), refs(c)).score();
            assertThat(s).as("chrF " + c.get("corpus") + " " + c.get("options")).isCloseTo(number(c.get("score")), within(REPORTED));
            n++;
            if (Math.abs(s - number(c.get("score"))) <= ARITHMETIC) exact++;
        }
        for (Object o : list(G.get("chrf_sentences"))) {
            Map<String, Object> c = map(o);
            double s = new Chrf(chrfOptions(map(c.get("options")))).sentence((String) c.get("hyp"), strings(c.get("refs"))).score();
            assertThat(s).as("sentence chrF " + c).isCloseTo(number(c.get("score")), within(REPORTED));
            n++;
            if (Math.abs(s - number(c.get("score"))) <= ARITHMETIC) exact++;
        }
        assertThat(exact).as("chrF cases within 1e-9").isEqualTo(n);
    }

    @Test
    void terCorpusScoresEqualSacrebleu() {
        int exact = 0, n = 0;
        for (Object o : list(G.get("ter"))) {
            Map<String, Object> c = map(o);
            Ter.Score s = new Ter(terOptions(map(c.get("options")))).corpus(hyps(c), refs(c));
            String what = "TER " + c.get("corpus") + " " + c.get("options") + " refs=" + c.get("nrefs");
            assertThat(s.score()).as(what).isCloseTo(number(c.get("score")), within(REPORTED));
            assertThat(s.numEdits()).as(what + " edits").isEqualTo(number(c.get("num_edits")));
            assertThat(s.refLength()).as(what + " ref length").isCloseTo(number(c.get("ref_length")), within(1e-9));
            n++;
            if (Math.abs(s.score() - number(c.get("score"))) <= ARITHMETIC) exact++;
        }
        assertThat(exact).as("TER cases within 1e-9").isEqualTo(n);
    }
}
