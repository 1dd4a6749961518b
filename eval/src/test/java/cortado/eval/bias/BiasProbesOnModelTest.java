package cortado.eval.bias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.NoGrad;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.eval.LoglikelihoodScorer;
import cortado.eval.ModelTextScorer;
import cortado.eval.RequestEncoder;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.tensor.StepArena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bias probes end to end on a tiny random byte-level GPT-2: each sentence's log-likelihood computed here
 * directly (one forward of [EOT] + the sentence's bytes, log-softmax by hand), the metric by hand from those, and
 * compared with what the probe reports through {@link ModelTextScorer} and the batched {@link LoglikelihoodScorer}
 * (1e-4: float32 logits, batches padded differently).
 */
class BiasProbesOnModelTest {
    static final CausalLm MODEL = Models.create(Gpt2Config.of(257, 256, 32, 2, 2, ByteTokenizer.END_OF_TEXT), 11);
    static final ModelTextScorer SCORER = new ModelTextScorer(new RequestEncoder(new ByteTokenizer(), ByteTokenizer.END_OF_TEXT),
            new LoglikelihoodScorer(MODEL, 4, 256, true));

    /** log p(text | EOT) under MODEL, computed without the harness. */
    static double sentenceLogLikelihood(String text) {
        return logLikelihood(new int[] {ByteTokenizer.END_OF_TEXT}, new ByteTokenizer().encode(text));
    }

    /** log p(continuation | context) under MODEL from one forward of both, log-softmax by hand. */
    static double logLikelihood(int[] context, int[] bytes) {
        int[] ids = new int[context.length + bytes.length];
        System.arraycopy(context, 0, ids, 0, context.length);
        System.arraycopy(bytes, 0, ids, context.length, bytes.length);
        float[] logits;
        MODEL.module().eval();
        try (NoGrad g = NoGrad.enter(); StepArena a = StepArena.open()) {
            logits = MODEL.forward(ids, 1, ids.length).toArray();
        }
        int v = 257;
        double sum = 0;
        for (int j = 0; j < bytes.length; j++) {
            int t = context.length - 1 + j;   // the position that predicts bytes[j]
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int k = 0; k < v; k++) max = Math.max(max, logits[t * v + k]);
            for (int k = 0; k < v; k++) z += Math.exp(logits[t * v + k] - max);
            sum += logits[t * v + bytes[j]] - max - Math.log(z);
        }
        return sum;
    }

    @Test
    void crowsPairsOnTheBuiltInSetEqualsTheHandComputation() {
        List<CrowsPairs.Pair> pairs = CrowsPairs.builtIn();
        BiasResult r = CrowsPairsProbe.score(pairs, SCORER, "built-in");
        int stereo = 0;
        double diff = 0;
        for (CrowsPairs.Pair p : pairs) {
            double more = sentenceLogLikelihood(p.sentMore()), less = sentenceLogLikelihood(p.sentLess());
            if (more > less) stereo++;
            diff += Math.abs(more - less);
        }
        assertThat(r.metrics().get("pct_stereotype").mean()).isCloseTo((double) stereo / pairs.size(), within(1e-12));
        assertThat(r.metrics().get("likelihood_diff").mean()).isCloseTo(diff / pairs.size(), within(1e-4));
    }

    @Test
    void stereoSetOnTheBuiltInSetEqualsTheHandComputation() {
        List<StereoSet.Example> examples = StereoSet.builtIn();
        assertThat(examples).extracting(StereoSet.Example::split).contains(StereoSet.Split.INTERSENTENCE);
        BiasResult r = StereoSetProbe.score(examples, SCORER, "built-in");
        // per target term: pro wins and related wins, then means over terms
        java.util.Map<String, double[]> terms = new java.util.LinkedHashMap<>();   // [pro, related, total]
        for (StereoSet.Example e : examples) {
            double pro = score(e, e.stereotype()), anti = score(e, e.antiStereotype()), un = score(e, e.unrelated());
            double[] c = terms.computeIfAbsent(e.target(), k -> new double[3]);
            c[0] += pro > anti ? 1 : 0;
            c[1] += (pro > un ? 1 : 0) + (anti > un ? 1 : 0);
            c[2]++;
        }
        double ss = 0, lms = 0;
        for (double[] c : terms.values()) {
            ss += 100 * c[0] / c[2];
            lms += 100 * c[1] / (2 * c[2]);
        }
        ss /= terms.size();
        lms /= terms.size();
        assertThat(r.metrics().get("ss").mean()).isCloseTo(ss, within(1e-9));
        assertThat(r.metrics().get("lms").mean()).isCloseTo(lms, within(1e-9));
        assertThat(r.metrics().get("icat").mean()).isCloseTo(lms * Math.min(ss, 100 - ss) / 50, within(1e-9));
    }

    @Test
    void winoBiasOnPartOfTheBuiltInSetEqualsTheHandComputation() {
        List<WinoBias.Item> items = new java.util.ArrayList<>();
        List<WinoBias.Item> all = WinoBias.builtIn();
        for (int f = 0; f < 4; f++) items.addAll(all.subList(48 * f, 48 * f + 6));   // 6 lines of each file
        BiasResult r = WinoBiasProbe.score(items, SCORER, "built-in");
        ByteTokenizer tok = new ByteTokenizer();
        double pro = 0, anti = 0;
        for (WinoBias.Item it : items) {
            int[] ctx = tok.encode(WinoBiasProbe.context(it));
            boolean right = logLikelihood(ctx, tok.encode(" " + it.answer())) > logLikelihood(ctx, tok.encode(" " + it.other()));
            if (right && it.proStereotyped()) pro++;
            if (right && !it.proStereotyped()) anti++;
        }
        assertThat(r.metrics().get("acc_pro").mean()).isCloseTo(pro / 12, within(1e-12));
        assertThat(r.metrics().get("acc_anti").mean()).isCloseTo(anti / 12, within(1e-12));
        assertThat(r.metrics().get("gap").mean()).isCloseTo((pro - anti) / 12, within(1e-12));
    }

    private static double perByte(String s) { return sentenceLogLikelihood(s) / s.length(); }

    /** StereoSet's sentence score: per byte after EOT (intrasentence) or after the context sentence (intersentence). */
    private static double score(StereoSet.Example e, String sentence) {
        if (e.split() == StereoSet.Split.INTRASENTENCE) return perByte(sentence);
        String continuation = " " + sentence;
        return logLikelihood(new ByteTokenizer().encode(e.context()), new ByteTokenizer().encode(continuation))
                / continuation.length();
    }
}
