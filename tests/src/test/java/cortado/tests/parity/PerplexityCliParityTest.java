package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code cortado perplexity} against transformers' own sliding-window recipe (the guide "Perplexity of fixed-length
 * models", run by tools/golden/make_perplexity_golden.py on the tiny golden GPT-2 and Llama over their train tokens):
 * with and without overlap, strides that leave a short last window, two window lengths per family.
 *
 * <p>Tolerance: |ln P - ln P_ref| = |Δ mean nll| &lt;= 1e-5 (P within 1e-5 relative). Both sides average float32
 * cross-entropies of logits that agree to about 1e-6 of their largest magnitude ({@link ModelParityTest}), so the
 * mean negative log-likelihood of ~8 nats moves by a few 1e-7; the wrong weight per window (the tokens the loss
 * averaged over instead of the guide's one less) moves it by 1e-3 and more. The token count must be equal.
 */
class PerplexityCliParityTest {
    private static final double TOLERANCE = 1e-5;

    @Test
    @SuppressWarnings("unchecked")
    void slidingWindowPerplexityMatchesTransformersRecipe() throws IOException {
        List<Object> cases = (List<Object>) Json.parse(Files.readString(Golden.path("perplexity_golden.json")));
        assertThat(cases).hasSize(6);
        double worst = 0;
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            String model = (String) c.get("model");
            String seq = Long.toString((Long) c.get("seq")), stride = Long.toString((Long) c.get("stride"));
            String out = CliCapture.stdout("perplexity", "--model", Golden.path(model).toString(), "--data",
                    Golden.path((String) c.get("data")).toString(), "--seq", seq, "--stride", stride);
            Map<String, Object> got = Json.parseObject(out.strip());
            String what = model + " seq " + seq + " stride " + stride;
            assertThat(got.get("tokens")).as(what + " tokens").isEqualTo(c.get("tokens"));
            double p = ((Number) got.get("perplexity")).doubleValue(), ref = ((Number) c.get("perplexity")).doubleValue();
            double err = Math.abs(Math.log(p) - Math.log(ref));
            worst = Math.max(worst, err);
            assertThat(err).as(what + ": perplexity " + p + " vs transformers " + ref).isLessThanOrEqualTo(TOLERANCE);
        }
        System.out.printf("perplexity CLI parity: max |ln P - ln P_ref| %.2e over %d cases%n", worst, cases.size());
    }
}
