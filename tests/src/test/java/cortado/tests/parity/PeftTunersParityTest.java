package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Module;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertModel;
import cortado.nn.models.bert.EncoderBatch;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftConfig;
import cortado.peft.PeftModel;
import cortado.peft.Tuners;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tuners beside LoRA against HF PEFT 0.21 (tools/golden/make_peft_tuners_golden.py): (IA)³ adapters peft created
 * and saved on tiny GPT-2, Llama and Qwen2 bases (defaults, a regex with a regex feed-forward, a custom list with
 * exclude_modules and modules_to_save) and LoRA and IA3 on a tiny BERT encoder (its last_hidden_state, a padded row)
 * load here and give peft's outputs, active and after merge_and_unload; so do LoHa, LoKr, VeRA, OFT and LN-tuning
 * adapters (Llama, BERT, and GPT-2 for VeRA and LN tuning), VeRA's projections drawn from its key are peft's bit for
 * bit; trainable counts and the print_trainable_parameters line equal peft's.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5. Both sides compute in float32 through two layers with different
 * summation orders (measured at about 1e-6 or below); scaling the output of a feed-forward target instead of its
 * input, a vector transposed on Conv1D, or a bias not scaled when merging moves the outputs by 1e-2 and more. Planted
 * bugs, each caught: LoHa scaled by alpha instead of alpha/r (0.91 on Llama), LoKr's Kronecker factors swapped (0.92),
 * VeRA without λ_b (1.1), OFT's last Neumann term doubled (3.6e-3 on Llama, 2.0e-4 on BERT; the COFT case, whose
 * rotations COFT keeps within 1e-3 of the identity, hides it), LN tuning running the base instead of its copy (0.78).
 */
class PeftTunersParityTest {
    private static final double TOL = 1e-5;
    private static final Map<String, String> BASE =
            Map.of("gpt2", "gpt2", "llama", "llama", "qwen2", "families/qwen2", "bert", "bert");

    /** The base a case was made on: the name's segment naming a family (ln_tuning_gpt2_default -> gpt2). */
    private static String family(String name) {
        for (String part : name.split("_")) if (BASE.containsKey(part)) return part;
        throw new IllegalArgumentException(name);
    }

    private static double rel(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        return Golden.relativeToMax(a.contiguous(), b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ia3_gpt2_default", "ia3_gpt2_regex", "ia3_llama_default", "ia3_llama_custom",
        "ia3_qwen2_default", "loha_llama_default", "loha_llama_patterns", "lokr_llama_default", "lokr_llama_decompose",
        "vera_gpt2_default", "vera_llama_default", "oft_llama_default", "oft_llama_coft_share",
        "ln_tuning_gpt2_default", "ln_tuning_llama_default"})
    void ia3AdaptersSavedByPeftGivePeftsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_tuners_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT);
        CausalLm base = HfCheckpoint.load(Golden.path(BASE.get(family(name))));
        PeftModel peft = AdapterFiles.load(base, Golden.path("peft/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            double active = rel(peft.model().forward(ids, b, t), g.get(name + ".logits"));
            assertThat(active).as(name + " logits").isLessThanOrEqualTo(TOL);
            CausalLm merged = peft.mergeAndUnload();
            double unloaded = rel(merged.forward(ids, b, t), g.get(name + ".merged"));
            assertThat(unloaded).as(name + " merged").isLessThanOrEqualTo(TOL);
            System.out.printf("peft -> cortado %s: max rel err %.2e, merged %.2e%n", name, active, unloaded);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ia3_bert_default", "lora_bert_default", "loha_bert_default", "lokr_bert_default",
        "vera_bert_default", "oft_bert_default", "ln_tuning_bert_layernorm"})
    void adaptersOnABertEncoderGivePeftsHiddenStates(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_tuners_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        EncoderBatch batch = new EncoderBatch(b, t, Golden.ints(idsT), null, Golden.ints(g.get(name + ".attention_mask")));
        BertModel bert = BertCheckpoint.loadModel(Golden.path("bert"));
        PeftModel peft = AdapterFiles.loadModule(bert, "bert", Golden.path("peft/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            double active = rel(bert.forward(batch).lastHiddenState(), g.get(name + ".logits"));
            assertThat(active).as(name).isLessThanOrEqualTo(TOL);
            BertModel merged = (BertModel) peft.mergeAndUnloadModule();
            double unloaded = rel(merged.forward(batch).lastHiddenState(), g.get(name + ".merged"));
            assertThat(unloaded).as(name + " merged").isLessThanOrEqualTo(TOL);
            System.out.printf("peft -> cortado %s: max rel err %.2e, merged %.2e%n", name, active, unloaded);
        }
    }

    /**
     * The *_default cases were made from configs naming no targets: peft saved the architecture defaults it filled in
     * (target_modules and, for IA3, feedforward_modules), which Cortado must fill in the same (as sets: peft saves a
     * Python set in no fixed order).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ia3_gpt2_default", "ia3_llama_default", "ia3_qwen2_default", "ia3_bert_default",
        "lora_bert_default", "loha_llama_default", "loha_bert_default", "lokr_llama_default", "vera_gpt2_default", "vera_bert_default",
        "ln_tuning_gpt2_default", "ln_tuning_llama_default"})
    @SuppressWarnings("unchecked")
    void defaultTargetsAreThosePeftFilledIn(String name) throws Exception {
        Map<String, Object> saved = Json.parseObject(Files.readString(Golden.path("peft/" + name + "/adapter_config.json")));
        Map<String, Object> empty = new LinkedHashMap<>();
        empty.put("peft_type", saved.get("peft_type"));
        empty.put("r", saved.get("r"));
        PeftConfig bare = Tuners.forType((String) saved.get("peft_type"), name).fromJson(empty, name);
        String fam = family(name);
        PeftModel peft = fam.equals("bert") ? PeftModel.wrapModule(BertCheckpoint.loadModel(Golden.path("bert")), "bert", bare, 0)
                : PeftModel.wrap(HfCheckpoint.load(Golden.path(BASE.get(fam))), bare, 0);
        Map<String, Object> ours = peft.config("default").toJson(null);
        for (String field : List.of("target_modules", "feedforward_modules"))
            if (saved.containsKey(field))
                assertThat(new java.util.TreeSet<>((List<String>) ours.get(field))).as(name + " " + field)
                        .isEqualTo(new java.util.TreeSet<>((List<String>) saved.get(field)));
    }

    /**
     * VeRA's shared projections drawn here from projection_prng_key (torch's MT19937 and uniform_, as
     * {@code _kaiming_init}) are bit for bit the ones peft drew and saved (key 0 on GPT-2, key 7 on Llama), so an
     * adapter saved with save_projection=false rebuilds them exactly. A wrong bound, draw order or bit mask differs
     * in every element.
     */
    @ParameterizedTest
    @ValueSource(strings = {"vera_gpt2_default", "vera_llama_default"})
    void veraProjectionsFromTheKeyAreTheOnesPeftDrew(String name) {
        Map<String, Tensor> saved = Safetensors.load(Golden.path("peft/" + name + "/adapter_model.safetensors"));
        PeftConfig config = AdapterFiles.readConfig(Golden.path("peft/" + name));
        PeftModel peft = PeftModel.wrap(HfCheckpoint.load(Golden.path(BASE.get(family(name)))), config, 0);
        Map<String, Tensor> ours = peft.adapterTensors("default");
        for (String k : List.of("base_model.vera_A", "base_model.vera_B"))
            assertThat(ours.get(k).toArray()).as(name + " " + k).containsExactly(saved.get(k).toArray());
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainableCountsAndTheLineEqualPefts() throws Exception {
        List<Object> cases = (List<Object>) Json.parse(Files.readString(Golden.path("peft_tuners_counts.json")));
        assertThat(cases).hasSizeGreaterThanOrEqualTo(10);
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            Map<String, Object> json = new LinkedHashMap<>((Map<String, Object>) c.get("config"));
            String base = (String) c.get("base"), where = "peft_tuners_counts.json " + base + " " + json;
            PeftConfig config = Tuners.forType((String) json.get("peft_type"), where).fromJson(json, where);
            PeftModel peft;
            if (base.equals("bert")) {
                Module bert = BertCheckpoint.loadModel(Golden.path("bert"));
                peft = PeftModel.wrapModule(bert, "bert", config, 0);
            } else {
                peft = PeftModel.wrap(HfCheckpoint.load(Golden.path(BASE.get(base))), config, 0);
            }
            assertThat(peft.trainableAndAll()).as(where).containsExactly((Long) c.get("trainable"), (Long) c.get("all"));
            assertThat(peft.trainableLine()).as(where).isEqualTo(c.get("line"));
        }
    }
}
