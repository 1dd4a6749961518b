package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forward, loss and backward of a tiny random GPT-2 and Llama (GQA, RoPE) against PyTorch + transformers (golden files
 * from tools/golden/make_golden.py: float32, eager attention, no dropout).
 *
 * <p>Tolerance: max |cortado - torch| / max |torch| <= 1e-4 for every tensor, and per element
 * |Δ| <= 2e-5 max|torch| + 1e-4 |torch| ({@link Golden#compare}). Both sides compute in float32 but sum
 * in different orders (blocked SIMD GEMM, fused attention and cross-entropy here; ATen's kernels there), so each
 * result moves by a few ulps of its largest terms; through two layers and the backward pass that stays near 1e-6
 * relative. 1e-4 leaves room for that and still catches any wrong formula, scale or missing term (1e-2 and up).
 */
class ModelParityTest {
    static final double TOL = 1e-4;

    /** The loaded model, moved to the backend under test (a subclass runs the same cases on another backend). */
    CausalLm onBackend(CausalLm model) { return model; }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void logitsLossAndEveryGradientMatchTransformers(String family) {
        CausalLm model = onBackend(HfCheckpoint.load(Golden.path(family)));
        Map<String, Tensor> golden = Safetensors.load(Golden.path(family + "_golden.safetensors"));
        int[] shape = golden.get("input_ids").shape();
        int b = shape[0], t = shape[1];
        int[] ids = Golden.ints(golden.get("input_ids"));
        int[] labels = Golden.ints(golden.get("labels"));   // ids shifted left; the last position is -100
        int vocab = model.config().vocabSize();

        Tensor logits = model.forward(ids, b, t);
        Tensor loss = F.crossEntropy(F.reshape(logits, b * t, vocab), labels, CausalLm.IGNORE_INDEX);
        Autograd.backward(loss);

        Map<String, Double> errors = new TreeMap<>();
        errors.put("logits", Golden.compare(family + " logits", logits, golden.get("logits")));
        errors.put("loss", Golden.compare(family + " loss", loss, golden.get("loss")));
        Map<String, Parameter> params = model.module().namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor expected = golden.get("grad." + e.getKey());
            assertThat(expected).as("golden gradient for " + e.getKey()).isNotNull();
            Tensor grad = e.getValue().value().grad();
            assertThat(grad).as("gradient of " + e.getKey()).isNotNull();
            assertThat(grad.shape()).as(e.getKey()).isEqualTo(expected.shape());
            errors.put("grad." + e.getKey(), Golden.compare(family + " grad." + e.getKey(), grad, expected));
        }
        // Every parameter transformers has, Cortado has (and the reverse, checked above).
        long goldenGrads = golden.keySet().stream().filter(k -> k.startsWith("grad.")).count();
        assertThat(params).hasSize((int) goldenGrads);

        double worst = errors.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        String worstName = errors.entrySet().stream().filter(e -> e.getValue() == worst).findFirst().orElseThrow().getKey();
        System.out.printf("%s parity: logits %.2e, loss %.2e (%.6f vs %.6f), worst %s %.2e over %d tensors%n", family,
                errors.get("logits"), errors.get("loss"), loss.item(), golden.get("loss").item(), worstName, worst,
                errors.size());
        assertThat(errors).allSatisfy((name, err) -> assertThat(err).as(family + " " + name).isLessThanOrEqualTo(TOL));
    }
}
