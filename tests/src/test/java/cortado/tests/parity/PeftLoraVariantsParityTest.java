package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraConfig;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LoRA family beyond plain LoRA against HF PEFT 0.21 (tools/golden/make_peft_lora_variants_golden.py, tiny GPT-2
 * with its tied head, Llama and Qwen2): DoRA (Linear and GPT-2's Conv1D, with rsLoRA and rank/alpha patterns, magnitude
 * vectors moved away from their init), LoRA on Embedding layers (GPT-2's tied wte, Llama's embed_tokens), patterns on
 * all three families; adapters saved by peft load here and give peft's logits, active and after merge_and_unload, and
 * peft's gradients; pissa, olora and loftq give peft's A, B and residual base weight; trainable counts equal peft's.
 *
 * <p>Tolerances. Logits: max |Δ| / max |ref| <= 1e-5, float32 on both sides in different summation orders (measured
 * about 1e-6 or below); DoRA without its magnitude, a norm taken over columns instead of rows or with the bias left in,
 * an embedding delta transposed, or merge forgetting the tied head move them by 1e-2 and more. Gradients: 1e-4 of the
 * largest |ref| element of each tensor (sums over B·T positions of float32 products; an undetached norm changes A's and
 * B's gradients by 1e-2 relative). Init factors: A and B 1e-4 relative (peft's SVD and QR run in float32 LAPACK, ours in
 * double; singular vectors compared after aligning each pair's sign, which is not fixed by the SVD), residual base
 * weights 1e-5 relative to the weight's max.
 */
class PeftLoraVariantsParityTest {
    private static final double TOL = 1e-5, GRAD_TOL = 1e-4, FACTOR_TOL = 1e-4, BASE_TOL = 1e-5;
    private static final Map<String, String> BASE = Map.of("gpt2", "gpt2", "llama", "llama", "qwen2", "families/qwen2");

    private static Map<String, Tensor> golden() { return Safetensors.load(Golden.path("peft_variants_golden.safetensors")); }

    private static CausalLm base(String family) { return HfCheckpoint.load(Golden.path(BASE.get(family))); }

    private static String family(String caseName) { return caseName.substring(0, caseName.indexOf('_')); }

    private static Path dir(String caseName) { return Golden.path("peft_variants/" + caseName); }

    private static double rel(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        return Golden.relativeToMax(a.contiguous(), b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_dora", "gpt2_dora_rslora_patterns", "llama_dora", "qwen2_dora_all", "gpt2_patterns",
            "qwen2_patterns", "gpt2_embedding", "llama_embedding", "gpt2_embedding_dora"})
    void adaptersSavedByPeftGivePeftsLogits(String name) {
        Map<String, Tensor> g = golden();
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        PeftModel peft = AdapterFiles.load(base(family(name)), dir(name));
        try (NoGrad ng = NoGrad.enter()) {
            assertThat(rel(peft.model().forward(ids, b, t), g.get(name + ".logits"))).as(name + " logits")
                    .isLessThanOrEqualTo(TOL);
            CausalLm merged = peft.mergeAndUnload();
            assertThat(rel(merged.forward(ids, b, t), g.get(name + ".merged"))).as(name + " merged")
                    .isLessThanOrEqualTo(TOL);
        }
    }

    /** d sum(logits · dlogits) / d(adapter tensors): DoRA's norm is detached, the embedding's A gets row gradients. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2_dora", "llama_dora", "gpt2_embedding", "gpt2_embedding_dora"})
    void adapterGradientsEqualPefts(String name) {
        Map<String, Tensor> g = golden();
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        PeftModel peft = AdapterFiles.load(base(family(name)), dir(name));
        Tensor logits = peft.model().forward(Golden.ints(idsT), b, t);
        Autograd.backward(F.sum(F.mul(logits, g.get(name + ".dlogits"))));
        String prefix = name + ".grad.";
        TreeSet<String> expected = new TreeSet<>();
        for (String k : g.keySet()) if (k.startsWith(prefix)) expected.add(k.substring(prefix.length()));
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        peft.module().namedParameters().forEach((k, p) -> { if (p.trainable()) trainable.put(pefts(k), p); });
        assertThat(trainable.keySet()).as(name + " trainable tensors").containsExactlyInAnyOrderElementsOf(expected);
        for (String k : expected) {
            Tensor grad = trainable.get(k).value().grad();
            assertThat(grad).as(name + " " + k + " has a gradient").isNotNull();
            assertThat(rel(grad, g.get(prefix + k))).as(name + " grad " + k).isLessThanOrEqualTo(GRAD_TOL);
        }
    }

    /** peft names DoRA's magnitude {@code lora_magnitude_vector.<adapter>.weight} inside a model (a module holding it). */
    private static String pefts(String cortadoName) {
        return cortadoName.endsWith(".lora_magnitude_vector.default") ? cortadoName + ".weight" : cortadoName;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama_pissa", "gpt2_pissa", "llama_olora", "qwen2_pissa_dora", "llama_loftq"})
    void initializationsEqualPefts(String name) {
        Map<String, Tensor> g = golden();
        LoraConfig c = (LoraConfig) AdapterFiles.readConfig(dir(name));
        PeftModel peft = PeftModel.wrap(base(family(name)), c, 0);
        Module root = peft.module();
        int compared = 0;
        for (String key : g.keySet()) {
            if (!key.startsWith(name + ".") || !key.endsWith(".lora_A")) continue;
            String path = key.substring(name.length() + 1, key.length() - ".lora_A".length());
            TunerLayer layer = (TunerLayer) root.get(path);
            Tensor a = layer.adapterParameters("default").get("lora_A.default.weight").value();
            Tensor bm = layer.adapterParameters("default").get("lora_B.default.weight").value();
            Tensor refA = g.get(name + "." + path + ".lora_A"), refB = g.get(name + "." + path + ".lora_B");
            float[] signs = signs(a, refA, c.init().name().equals("OLORA"));
            assertThat(rel(rowsTimes(a, signs), refA)).as(name + " " + path + " lora_A").isLessThanOrEqualTo(FACTOR_TOL);
            assertThat(rel(colsTimes(bm, signs), refB)).as(name + " " + path + " lora_B").isLessThanOrEqualTo(FACTOR_TOL);
            Tensor baseW = layer.baseLayer().ownParameters().get("weight").value();
            assertThat(rel(baseW, g.get(name + "." + path + ".base"))).as(name + " " + path + " residual base weight")
                    .isLessThanOrEqualTo(BASE_TOL);
            compared++;
        }
        assertThat(compared).as(name + " layers compared").isPositive();
        Tensor idsT = g.get(name + ".input_ids");
        int[] ids = Golden.ints(idsT);
        try (NoGrad ng = NoGrad.enter()) {
            assertThat(rel(peft.model().forward(ids, idsT.size(0), idsT.size(1)), g.get(name + ".logits")))
                    .as(name + " logits of the fresh model").isLessThanOrEqualTo(TOL);
            // peft's from_pretrained re-runs the init on the base (the residual) and then loads its A and B
            PeftModel loaded = AdapterFiles.load(base(family(name)), dir(name));
            assertThat(rel(loaded.model().forward(ids, idsT.size(0), idsT.size(1)), g.get(name + ".logits")))
                    .as(name + " logits after loading peft's adapter").isLessThanOrEqualTo(TOL);
        }
    }

    /** +1/-1 per rank component aligning ours with the reference (the sign of the rows' inner product); all +1 when fixed. */
    private static float[] signs(Tensor a, Tensor ref, boolean fixed) {
        int r = a.size(0), n = a.size(1);
        float[] x = a.toArray(), y = ref.toArray(), s = new float[r];
        for (int i = 0; i < r; i++) {
            double d = 0;
            for (int j = 0; j < n; j++) d += (double) x[i * n + j] * y[i * n + j];
            s[i] = fixed || d >= 0 ? 1 : -1;
        }
        return s;
    }

    private static Tensor rowsTimes(Tensor a, float[] s) {
        return F.mul(a, a.backend().fromArray(s, s.length, 1));
    }

    private static Tensor colsTimes(Tensor b, float[] s) {
        return F.mul(b, b.backend().fromArray(s, s.length));
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainableCountsEqualPefts() throws Exception {
        List<Object> cases = (List<Object>) Json.parse(Files.readString(Golden.path("peft_variants_counts.json")));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(7);
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> json = new LinkedHashMap<>((Map<String, Object>) c.get("config"));
            json.put("peft_type", "LORA");
            String base = (String) c.get("base");
            LoraConfig config = LoraConfig.fromJson(json, "peft_variants_counts.json " + base + " " + json);
            long[] counts = PeftModel.wrap(base(base), config, 0).trainableAndAll();
            assertThat(counts).as(base + " " + json).containsExactly((Long) c.get("trainable"), (Long) c.get("all"));
        }
    }
}
