package cortado.peft;

import cortado.peft.lora.LoraConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapter directories: round trip, PEFT's keys and fields, and one clear error for each kind of bad input. */
class AdapterFilesTest {
    @TempDir Path dir;

    private static float[] logits(CausalLm m, int[] ids) {
        try (NoGrad ng = NoGrad.enter()) {
            return m.forward(ids, 1, ids.length).toArray();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void saveAndLoadRoundTripWithPeftsKeysAndFields() throws Exception {
        CausalLm model = TinyModels.gpt2(4);
        LoraConfig c = LoraConfig.of(4, 8, TargetModules.allLinear()).withInitLoraWeights(false);
        PeftModel peft = PeftModel.wrap(model, c, 5);
        int[] ids = TinyModels.ids(6, 96, 3);
        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);

        Map<String, Tensor> saved = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        assertThat(saved).containsKeys("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
                "base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight").hasSize(16);
        assertThat(saved.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape()).containsExactly(96, 4);
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(AdapterFiles.CONFIG)));
        assertThat(json).containsEntry("peft_type", "LORA").containsEntry("r", 4L).containsEntry("lora_alpha", 8L)
                .containsEntry("inference_mode", true).containsEntry("use_rslora", false).containsEntry("use_dora", false)
                .containsEntry("bias", "none").containsKey("base_model_name_or_path")
                .containsEntry("fan_in_fan_out", true);   // as peft saves it for GPT-2's Conv1D
        assertThat((List<Object>) json.get("target_modules")).hasSize(8).contains("transformer.h.0.mlp.c_fc");

        PeftModel loaded = AdapterFiles.load(TinyModels.gpt2(4), dir);
        assertThat(logits(loaded.model(), ids)).containsExactly(expected);
        assertThat(loaded.trainableLine()).isEqualTo(peft.trainableLine());
    }

    @Test
    void aSecondAdapterGoesInASubfolderAndSwitches() {
        CausalLm model = TinyModels.llama(2);
        int[] ids = TinyModels.ids(6, 96, 1);
        PeftModel peft = PeftModel.wrap(model, LoraConfig.of(2, 4, null).withInitLoraWeights(false), 1);
        float[] first = logits(model, ids);
        peft.addAdapter("other", LoraConfig.of(4, 4, TargetModules.of("o_proj", "q_proj")).withInitLoraWeights(false), 2);
        float[] second = logits(model, ids);
        assertThat(TinyModels.relDiff(second, first)).isGreaterThan(1e-3);
        AdapterFiles.save(peft, dir);
        assertThat(dir.resolve("other").resolve(AdapterFiles.WEIGHTS)).exists();

        PeftModel again = AdapterFiles.load(TinyModels.llama(2), dir);
        assertThat(logits(again.model(), ids)).containsExactly(first);
        AdapterFiles.loadAdapter(again, "other", dir.resolve("other"));
        assertThat(logits(again.model(), ids)).containsExactly(second);
        again.setAdapter("default");
        assertThat(logits(again.model(), ids)).containsExactly(first);
    }

    @Test
    void anAdapterForAnotherBaseNamesTheTensor() {
        AdapterFiles.save(PeftModel.wrap(TinyModels.llama(2), LoraConfig.of(2, 4, null), 1), dir);
        Map<String, Object> wider = new java.util.LinkedHashMap<>();
        wider.put("model_type", "llama");
        wider.put("hidden_size", 48L);
        wider.put("intermediate_size", 64L);
        wider.put("num_hidden_layers", 2L);
        wider.put("num_attention_heads", 4L);
        wider.put("num_key_value_heads", 2L);
        wider.put("vocab_size", 96L);
        CausalLm other = cortado.nn.models.Models.fromConfig(wider, 0);
        assertThatThrownBy(() -> AdapterFiles.load(other, dir))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape"
                        + " [2, 32] but this base needs [2, 48]");
    }

    @Test
    void badConfigsGiveOneClearError() throws Exception {
        AdapterFiles.save(PeftModel.wrap(TinyModels.llama(2), LoraConfig.of(2, 4, null), 1), dir);
        Path cfg = dir.resolve(AdapterFiles.CONFIG);
        String good = Files.readString(cfg);

        Files.writeString(cfg, good.replace("\"LORA\"", "\"RANDLORA\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: peft_type \"RANDLORA\" is not supported"
                        + " (supported: LORA, IA3, BITFIT, LOHA, LOKR, VERA, OFT, LN_TUNING, PROMPT_TUNING,"
                        + " MULTITASK_PROMPT_TUNING, P_TUNING,"
                        + " PREFIX_TUNING, ADALORA, HRA, FOURIERFT, BOFT, BOTTLENECK, TRAINABLE_TOKENS, ADAPTION_PROMPT, XLORA)");
        Files.writeString(cfg, good.replace("\"LORA\"", "\"PROMPT_TUNING\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: num_virtual_tokens must be an integer, got null");
        Files.writeString(cfg, good.replace("\"LORA\"", "\"BITFIT\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: peft_type \"BITFIT\" is saved in bitfit_config.json");
        Files.writeString(cfg, good.replace("\"peft_type\":\"LORA\"", "\"peft_type\":7"));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: peft_type must be a string, got 7");

        Files.writeString(cfg, good.substring(0, good.length() / 2));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: not valid JSON");

        Files.writeString(cfg, good.replace("\"init_lora_weights\":true", "\"init_lora_weights\":\"eva\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: init_lora_weights \"eva\" is not supported");

        Files.writeString(cfg, good.replace("\"r\":2", "\"r\":\"two\""));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("r must be an integer, got two");

        Files.writeString(cfg, good.replaceAll("\"target_modules\":\\[[^]]*]", "\"target_modules\":[\"qproj\"]"));
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("target_modules [qproj] matched no module");

        Files.writeString(cfg, "{\"peft_type\":\"IA3\",\"feedforward_modules\":3}");
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: feedforward_modules must be a list of strings, got 3");
        Files.writeString(cfg, "[\"IA3\"]");
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: not valid JSON");

        Files.delete(cfg);
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(2), dir)).isInstanceOf(PeftException.class)
                .hasMessageContaining("adapter_config.json: no such file");
    }
}
