package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Operations over several LoRA adapters against HF PEFT 0.21 (tools/golden/make_peft_combination_golden.py): three
 * adapters saved by peft on the tiny GPT-2 and Llama (different targets, ranks, alphas, rsLoRA, a rank_pattern) load
 * here; {@code add_weighted_adapter} gives peft's combined tensors and logits, and {@code delete_adapter} of the
 * active adapter moves the active adapter where peft moves it. (peft then leaves each layer on its own first remaining
 * adapter, so layers without the new active one keep applying another; Cortado applies the new active adapter
 * everywhere, and the golden logits are peft's after {@code set_adapter} of it.)
 *
 * <p>Tolerances, all max |Δ| / max |ref|:
 * <ul>
 * <li>linear and cat tensors 1e-6: the same float32 products (factors rounded to float32 as torch rounds them) and
 *     sums as peft, so at most an ulp or two; a sign on B instead of A, scaling left out or applied twice, or a
 *     transposed concatenation are off by 1e-1 and more.</li>
 * <li>svd: the factors are fixed only up to the sign of each singular pair, so B·A is compared, 1e-5: peft runs
 *     LAPACK's float32 SVD, Cortado a double Jacobi SVD rounded once, so peft's own factors carry float32 SVD error
 *     (about 1e-6 of the largest singular value); a wrong truncation (rank, or U without S) is off by 1e-2 and more.</li>
 * <li>logits 1e-5, as {@link PeftParityTest}: float32 through two layers in other summation orders.</li>
 * </ul>
 */
class PeftCombinationParityTest {
    private static Map<String, Tensor> golden;

    @BeforeAll
    static void load() { golden = Safetensors.load(Golden.path("peft_combine_golden.safetensors")); }

    /** The three adapters peft saved ("default", "b", "c") on a fresh base; "default" active. */
    private static PeftModel withAdapters(String family) {
        Path dir = Golden.path("peft_combine/" + family);
        PeftModel p = AdapterFiles.load(HfCheckpoint.load(Golden.path(family)), dir);
        AdapterFiles.loadAdapter(p, "b", dir.resolve("b"));
        AdapterFiles.loadAdapter(p, "c", dir.resolve("c"));
        p.setAdapter(PeftModel.DEFAULT);
        return p;
    }

    private static Tensor logits(PeftModel p, String family) {
        Tensor ids = golden.get(family + ".input_ids");
        try (NoGrad ng = NoGrad.enter()) {
            return p.model().forward(Golden.ints(ids), ids.size(0), ids.size(1));
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("gpt2_linear", List.of("default", "b"), List.of(0.7, -0.4), "linear", null),
                Arguments.of("gpt2_cat", List.of("default", "c"), List.of(1.0, 0.5), "cat", null),
                Arguments.of("gpt2_svd", List.of("default", "b", "c"), List.of(1.0, 0.6, -0.3), "svd", 3),
                Arguments.of("llama_linear", List.of("default", "b"), List.of(0.5, 1.5), "linear", null),
                Arguments.of("llama_cat", List.of("default", "c"), List.of(1.0, -0.5), "cat", null),
                Arguments.of("llama_svd", List.of("b", "c"), List.of(1.0, 1.0), "svd", null),
                Arguments.of("llama_single", List.of("c"), List.of(2.0), "svd", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void addWeightedAdapterGivesPeftsTensorsAndLogits(String name, List<String> adapters, List<Double> weights,
                                                       String type, Integer svdRank) {
        String family = name.substring(0, name.indexOf('_'));
        PeftModel p = withAdapters(family);
        p.addWeightedAdapter(adapters, weights, "combined", type, svdRank, null);
        assertThat(p.activeAdapter()).as("the active adapter stays").isEqualTo(PeftModel.DEFAULT);
        p.setAdapter("combined");

        Map<String, Tensor> mine = new TreeMap<>(p.adapterTensors("combined"));
        TreeSet<String> expectedKeys = new TreeSet<>();
        for (String k : golden.keySet()) if (k.startsWith(name + ".base_model.")) expectedKeys.add(k.substring(name.length() + 1));
        assertThat(mine.keySet()).as(name + " keys").containsExactlyElementsOf(expectedKeys);
        boolean svd = type.equals("svd") && adapters.size() > 1;
        List<String> checked = new ArrayList<>();
        for (String key : expectedKeys) {
            if (!key.endsWith("lora_A.weight")) continue;
            String keyB = key.replace("lora_A.weight", "lora_B.weight");
            Tensor a = mine.get(key), b = mine.get(keyB);
            Tensor ga = golden.get(name + "." + key), gb = golden.get(name + "." + keyB);
            if (a.size(0) > ga.size(0)) {
                // peft's linear on a rank_pattern layer leaves factors of the smaller rank; Cortado zero-pads them.
                assertThat(a.slice(0, ga.size(0), a.size(0)).contiguous().toArray()).containsOnly(0f);
                assertThat(b.slice(1, ga.size(0), a.size(0)).contiguous().toArray()).containsOnly(0f);
                a = a.slice(0, 0, ga.size(0)).contiguous();
                b = b.slice(1, 0, ga.size(0)).contiguous();
            }
            assertThat(a.shape()).as(key).isEqualTo(ga.shape());
            assertThat(b.shape()).as(keyB).isEqualTo(gb.shape());
            if (svd) {
                try (NoGrad ng = NoGrad.enter()) {
                    assertThat(Golden.relativeToMax(F.matmul(b, a), F.matmul(gb, ga))).as(key + " B·A")
                            .isLessThanOrEqualTo(1e-5);
                }
            } else {
                assertThat(Golden.relativeToMax(a, ga)).as(key).isLessThanOrEqualTo(1e-6);
                assertThat(Golden.relativeToMax(b, gb)).as(keyB).isLessThanOrEqualTo(1e-6);
            }
            checked.add(key);
        }
        assertThat(checked).isNotEmpty();
        assertThat(Golden.relativeToMax(logits(p, family), golden.get(name + ".logits"))).as(name + " logits")
                .isLessThanOrEqualTo(1e-5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void deletingTheActiveAdapterMovesItWherePeftDoes(String family) {
        PeftModel p = withAdapters(family);
        p.setAdapter("b");
        List<String> warnings = new ArrayList<>();
        p.setWarnings(warnings::add);
        p.deleteAdapter("b");
        List<String> names = new ArrayList<>(new TreeSet<>(p.adapterNames()));
        assertThat(p.activeAdapter()).isEqualTo(names.get((int) golden.get(family + "_delete.active").toArray()[0]));
        assertThat(warnings).containsExactly("Adapter b was active which is now deleted. Setting active adapter to "
                + p.activeAdapter() + ".");
        assertThat(p.model().module().namedParameters().keySet()).noneMatch(k -> k.contains(".b."));
        assertThat(Golden.relativeToMax(logits(p, family), golden.get(family + "_delete.logits"))).isLessThanOrEqualTo(1e-5);
    }
}
