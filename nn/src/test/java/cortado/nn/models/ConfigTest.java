package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    private static Map<String, Object> parse(String json) { return Json.parseObject(json); }

    @Test
    void gpt2ConfigRoundTripsThroughJson() {
        for (String preset : List.of("gpt2-124m", "gpt2-tiny", "demo")) {
            Gpt2Config c = (Gpt2Config) Presets.config(preset);
            Map<String, Object> back = parse(Json.write(c.toHfJson()));
            assertThat(Gpt2Config.fromHfJson(back)).isEqualTo(c);
            assertThat(back).containsEntry("model_type", "gpt2").containsEntry("activation_function", "gelu_new")
                    .containsEntry("layer_norm_epsilon", 1e-5);
        }
    }

    @Test
    void llamaConfigRoundTripsThroughJson() {
        LlamaConfig c = (LlamaConfig) Presets.config("llama-tiny");
        Map<String, Object> json = c.toHfJson();
        Map<String, Object> back = parse(Json.write(json));
        assertThat(LlamaConfig.fromHfJson(back)).isEqualTo(c);
        assertThat(back).containsEntry("num_key_value_heads", 2L).containsEntry("hidden_act", "silu")
                .containsEntry("rope_theta", 10000.0).containsEntry("attention_bias", false);
    }

    @Test
    void readsHuggingFaceGpt2ConfigWithDefaultsAndIgnoresHarmlessFields() {
        // The shape of openai-community/gpt2's config.json: n_inner null, dropout and summary fields.
        Gpt2Config c = Gpt2Config.fromHfJson(parse("""
                {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
                 "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02,
                 "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12,
                 "n_inner": null, "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1,
                 "summary_activation": null, "summary_first_dropout": 0.1, "summary_proj_to_labels": true,
                 "summary_type": "cls_index", "summary_use_proj": true,
                 "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
                 "vocab_size": 50257}"""));
        // The preset is this model without dropout (presets train without it); the file's rates are read.
        assertThat(c).isEqualTo(((Gpt2Config) Presets.config("gpt2-124m")).withDropout(0.1f, 0.1f, 0.1f));
        assertThat(c.nInner()).isEqualTo(3072);
        assertThat(c.eosTokenIds()).containsExactly(50256);
    }

    @Test
    void readsLlamaRopeFromEitherSpellingAndEosLists() {
        LlamaConfig a = LlamaConfig.fromHfJson(parse("""
                {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "rope_theta": 500000.0,
                 "eos_token_id": [128001, 128009], "torch_dtype": "bfloat16"}"""));
        assertThat(a.ropeTheta()).isEqualTo(500000f);
        assertThat(a.headDim()).isEqualTo(16);
        assertThat(a.numKeyValueHeads()).isEqualTo(4);
        assertThat(a.eosTokenIds()).containsExactly(128001, 128009);
        LlamaConfig b = LlamaConfig.fromHfJson(parse("""
                {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
                 "rope_parameters": {"rope_theta": 250000.0, "rope_type": "default"}}"""));
        assertThat(b.ropeTheta()).isEqualTo(250000f);
        assertThat(Json.write(a.toHfJson())).contains("\"eos_token_id\":[128001,128009]");
    }

    private static void rejects(String json, String message) {
        Map<String, Object> m = parse(json);
        assertThatThrownBy(() -> Models.fromConfig(m)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void invalidConfigsNameTheField() {
        rejects("{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_head\": 5}",
                "config.json: n_head (5) does not divide n_embd (64)");
        rejects("{\"model_type\": \"gpt2\", \"n_embd\": \"wide\"}", "config.json: n_embd must be an integer, got \"wide\"");
        rejects("{\"model_type\": \"gpt2\", \"n_layer\": 2.5}", "config.json: n_layer must be an integer, got 2.5");
        rejects("{\"model_type\": \"gpt2\", \"n_layer\": 0}", "config.json: n_layer must be positive, got 0");
        rejects("{\"model_type\": \"gpt2\", \"activation_function\": \"relu\"}",
                "config.json: activation_function = \"relu\" is not supported (GPT-2 here uses GELU in its tanh form)");
        rejects("{\"model_type\": \"gpt2\", \"scale_attn_by_inverse_layer_idx\": true}",
                "config.json: scale_attn_by_inverse_layer_idx = true is not supported (no per-layer attention scaling)");
        rejects("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 8, \"num_key_value_heads\": 3}",
                "config.json: num_key_value_heads (3) does not divide num_attention_heads (8)");
        rejects("{\"model_type\": \"llama\", \"hidden_size\": 60, \"num_attention_heads\": 8}",
                "config.json: num_attention_heads (8) does not divide hidden_size (60)");
        rejects("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}}",
                "config.json: rope_scaling.low_freq_factor is missing (the rope type needs it)");
        rejects("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 8.0}}",
                "config.json: rope_scaling.rope_type = \"longrope\" is not supported (supported: default, linear, dynamic,"
                        + " llama3, yarn)");
        rejects("{\"model_type\": \"llama\", \"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 2.0,"
                        + " \"low_freq_factor\": 1.0}}",
                "config.json: field rope_parameters.low_freq_factor is not supported by rope_type \"linear\" (Cortado"
                        + " refuses fields it does not implement rather than ignore them)");
        rejects("{\"model_type\": \"llama\", \"quantization_config\": {\"quant_method\": \"gptq\"}, \"foo\": 1}",
                "config.json: fields quantization_config, foo are not supported by model_type \"llama\" (Cortado"
                        + " refuses fields it does not implement rather than ignore them)");
        rejects("{\"model_type\": \"qwen2\", \"attention_bias\": true}",
                "config.json: field attention_bias is not supported by model_type \"qwen2\" (Cortado refuses fields it"
                        + " does not implement rather than ignore them)");
        rejects("{\"model_type\": \"gpt2\", \"n_special\": 3}",
                "config.json: field n_special is not supported by model_type \"gpt2\" (Cortado refuses fields it does not"
                        + " implement rather than ignore them)");
        rejects("{\"model_type\": \"llama\", \"hidden_act\": \"gelu\"}",
                "config.json: hidden_act = \"gelu\" is not supported (the gated MLP uses SiLU)");
        rejects("{\"n_embd\": 64}",
                "config.json: model_type is missing (expected one of gpt2, llama, mistral, qwen2, qwen3)");
        rejects("{\"model_type\": \"phi3\"}",
                "config.json: model_type \"phi3\" is not supported (supported: gpt2, llama, mistral, qwen2, qwen3)");
    }

    @Test
    void modelsPicksTheFamilyAndPresetsAreKnown() {
        assertThat(Models.fromConfig(Presets.config("gpt2-tiny").toHfJson(), 3)).isInstanceOf(Gpt2LmHeadModel.class);
        assertThat(Models.fromConfig(Presets.config("llama-tiny").toHfJson(), 3)).isInstanceOf(LlamaForCausalLm.class);
        assertThatThrownBy(() -> Presets.create("gpt5", 0)).hasMessageContaining("unknown model preset 'gpt5'");
        for (String name : Presets.names()) assertThat(Presets.config(name).vocabSize()).isPositive();
    }
}
