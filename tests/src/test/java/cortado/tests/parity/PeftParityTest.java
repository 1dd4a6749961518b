package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.lora.LoraConfig;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA adapters written by HF PEFT 0.21 (tools/golden/make_peft_golden.py: tiny GPT-2, Llama and Qwen2 bases, B drawn
 * non-zero, with and without rsLoRA, all-linear, a regex, rank_pattern/alpha_pattern) load here and give peft's
 * logits, active and after merge_and_unload; and the trainable counts of peft's get_nb_trainable_parameters.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. Both sides compute in float32 through two layers with different
 * summation orders (a handful of ulps, measured at about 1e-6 or below); a wrong scaling (alpha/r vs alpha/sqrt(r)),
 * a rank_pattern not applied or a transposed Conv1D delta moves the logits by 1e-2 and more.
 */
class PeftParityTest {
    private static final double TOL = 1e-5;
    private static final Map<String, String> BASE = Map.of("gpt2", "gpt2", "llama", "llama", "qwen2", "families/qwen2");

    private static CausalLm base(String family) { return HfCheckpoint.load(Golden.path(BASE.get(family))); }

    private static double rel(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        return Golden.relativeToMax(a.contiguous(), b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2_default", "gpt2_rslora_all", "llama_default", "llama_patterns", "qwen2_regex"})
    void adaptersSavedByPeftGivePeftsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        PeftModel peft = AdapterFiles.load(base(name.substring(0, name.indexOf('_'))), Golden.path("peft/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            Tensor logits = peft.model().forward(ids, b, t);
            assertThat(rel(logits, g.get(name + ".logits"))).as(name + " logits").isLessThanOrEqualTo(TOL);
            CausalLm merged = peft.mergeAndUnload();
            assertThat(rel(merged.forward(ids, b, t), g.get(name + ".merged"))).as(name + " merged")
                    .isLessThanOrEqualTo(TOL);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainableCountsEqualPefts() throws Exception {
        List<Object> cases = (List<Object>) Json.parse(Files.readString(Golden.path("peft_counts.json")));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(10);
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> json = new LinkedHashMap<>((Map<String, Object>) c.get("config"));
            json.put("peft_type", "LORA");
            String base = (String) c.get("base");
            LoraConfig config = LoraConfig.fromJson(json, "peft_counts.json " + base + " " + json);
            PeftModel peft = PeftModel.wrap(base(base), config, 0);
            long[] counts = peft.trainableAndAll();
            assertThat(counts).as(base + " " + json).containsExactly((Long) c.get("trainable"), (Long) c.get("all"));
        }
    }
}
