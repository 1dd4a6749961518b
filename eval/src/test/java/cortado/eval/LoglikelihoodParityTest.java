package cortado.eval;

import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Per-request log-likelihoods and is_greedy against lm-eval-harness 0.4.13's HF backend (HFLM, float32, batch 4) on
 * a tiny Llama whose tokenizer adds BOS (goldens by tools/golden/eval/make_loglikelihood_golden.py): the requests of
 * the built-in tasks at 0 and 2 shots (some longer than the 128 positions, so left-truncated), an empty context, a
 * context ending in spaces, and loglikelihood_rolling with max_length 16. Token splits are exact; log-likelihoods
 * within 1e-4 (float32 logits of a different kernel and batch layout, summed over up to 8 tokens, differ by ~1e-6).
 */
class LoglikelihoodParityTest {
    static Map<String, Object> golden;
    static CausalLm model;
    static RequestEncoder encoder;

    @BeforeAll
    static void load() throws Exception {
        golden = Golden.json("loglikelihood.json");
        Path dir = Path.of(LoglikelihoodParityTest.class.getResource("/eval/tiny_llama").toURI());
        model = HfCheckpoint.load(dir);
        Tokenizer tok = Tokenizers.open(dir);
        encoder = new RequestEncoder(tok, RequestEncoder.prefixTokenId(tok, dir));
    }

    private static double num(Object o) { return ((Number) o).doubleValue(); }

    private static int[] ints(Object o) {
        List<Object> l = Golden.cast(o);
        return l.stream().mapToInt(x -> ((Number) x).intValue()).toArray();
    }

    @Test
    void tokenSplitsEqualLmEval() {
        assertThat(golden.get("lm_eval")).isEqualTo("0.4.13");
        assertThat(encoder.prefixTokenId()).isEqualTo(((Number) golden.get("prefix_token_id")).intValue());
        List<Map<String, Object>> reqs = Golden.cast(golden.get("requests"));
        for (int i = 0; i < reqs.size(); i++) {
            Map<String, Object> r = reqs.get(i);
            EncodedRequest e = encoder.encode((String) r.get("context"), (String) r.get("continuation"));
            if (r.get("context_tokens") != null) assertThat(e.context()).as("request %d context", i).isEqualTo(ints(r.get("context_tokens")));
            else assertThat(e.context()).as("request %d context", i).containsExactly(encoder.prefixTokenId());
            assertThat(e.continuation()).as("request %d continuation", i).isEqualTo(ints(r.get("continuation_tokens")));
        }
    }

    @Test
    void loglikelihoodsEqualLmEvalBatchedAndWithSharedPrefixes() {
        List<Map<String, Object>> reqs = Golden.cast(golden.get("requests"));
        List<EncodedRequest> encoded = new ArrayList<>();
        for (Map<String, Object> r : reqs) encoded.add(encoder.encode((String) r.get("context"), (String) r.get("continuation")));
        int batch = ((Number) golden.get("batch_size")).intValue(), maxLength = ((Number) golden.get("max_length")).intValue();
        long greedy = reqs.stream().filter(r -> (Boolean) r.get("is_greedy")).count();
        assertThat(greedy).as("the golden has greedy requests, so is_greedy is really checked").isPositive();
        for (boolean share : new boolean[] {false, true}) {
            List<Loglikelihood> got = new LoglikelihoodScorer(model, batch, maxLength, share).loglikelihood(encoded);
            for (int i = 0; i < reqs.size(); i++) {
                assertThat(got.get(i).logLikelihood()).as("request %d (shared prefixes %s)", i, share)
                        .isCloseTo(num(reqs.get(i).get("ll")), within(1e-4));
                assertThat(got.get(i).isGreedy()).as("request %d is_greedy (shared prefixes %s)", i, share)
                        .isEqualTo(reqs.get(i).get("is_greedy"));
            }
        }
    }

    @Test
    void rollingLoglikelihoodsEqualLmEval() {
        List<Map<String, Object>> rows = Golden.cast(golden.get("rolling"));
        List<int[]> tokens = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            int[] t = encoder.encode((String) r.get("text"));
            assertThat(t).hasSize(((Number) r.get("tokens")).intValue());
            tokens.add(t);
        }
        int maxLength = ((Number) golden.get("rolling_max_length")).intValue();
        double[] got = new LoglikelihoodScorer(model, 4, maxLength, true).loglikelihoodRolling(tokens, encoder.prefixTokenId());
        for (int i = 0; i < rows.size(); i++)
            assertThat(got[i]).as("rolling %d", i).isCloseTo(num(rows.get(i).get("ll")), within(1e-4));
    }
}
