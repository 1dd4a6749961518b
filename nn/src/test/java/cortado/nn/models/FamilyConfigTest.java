package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import cortado.nn.RopeScaling;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json of the Llama family (llama, mistral, qwen2, qwen3) read with transformers 5.18's defaults and rules. */
class FamilyConfigTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) { return (Map<String, Object>) Json.parse(json); }

    private static LlamaConfig read(String json) { return LlamaConfig.fromHfJson(parse(json)); }

    @Test
    void eachRopeTypeReadsItsParameters() {
        String base = "{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_attention_heads\": 4, "
                + "\"max_position_embeddings\": 64, ";
        assertThat(read(base + "\"rope_theta\": 500000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}")
                .rope()).isEqualTo(new RopeScaling.Linear(500000, 2));
        assertThat(read(base + "\"rope_parameters\": {\"rope_type\": \"dynamic\", \"factor\": 3.0, \"rope_theta\": 100.0}}")
                .rope()).isEqualTo(new RopeScaling.Dynamic(100, 3, 64));
        // Llama 3.1's own block, in transformers 4's spelling (rope_scaling next to a top-level rope_theta).
        assertThat(read(base + "\"rope_theta\": 500000.0, \"rope_scaling\": {\"factor\": 8.0, \"low_freq_factor\": 1.0,"
                + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}}")
                .rope()).isEqualTo(new RopeScaling.Llama3(500000, 8, 1, 4, 8192));
        // YaRN without original_max_position_embeddings takes max_position_embeddings; beta 0 means the default.
        assertThat(read(base + "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"beta_fast\": 0}}").rope())
                .isEqualTo(new RopeScaling.Yarn(10000, 4, 64, null, 32, 1, 0, 0, true));
        // transformers' attention factor: 0.1 ln(4) + 1, or the mscale ratio.
        assertThat(new RopeScaling.Yarn(10000, 4, 16, null, 32, 1, 0, 0, true).attentionFactor())
                .isEqualTo(0.1 * Math.log(4) + 1);
        assertThat(new RopeScaling.Yarn(10000, 4, 16, null, 32, 1, 2, 1, true).attentionFactor())
                .isEqualTo((0.2 * Math.log(4) + 1) / (0.1 * Math.log(4) + 1));
        assertThatThrownBy(() -> read(base + "\"partial_rotary_factor\": 0.5}"))
                .hasMessage("config.json: partial_rotary_factor = 0.5 is not supported (every head dimension is rotated)");
        assertThatThrownBy(() -> read(base + "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 0.5}}"))
                .hasMessage("config.json: rope_scaling.factor must be a number >= 1, got 0.5");
    }

    @Test
    void familiesTakeTheirOwnDefaults() {
        LlamaConfig mistral = read("{\"model_type\": \"mistral\", \"hidden_size\": 64, \"num_attention_heads\": 16,"
                + " \"num_hidden_layers\": 2}");
        assertThat(mistral.slidingWindow()).isEqualTo(4096);
        assertThat(mistral.numKeyValueHeads()).isEqualTo(8);
        assertThat(mistral.maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(mistral.qkvBias()).isFalse();
        assertThat(read("{\"model_type\": \"mistral\", \"sliding_window\": null, \"num_key_value_heads\": null}").slidingWindowOf(0)).isZero();

        LlamaConfig qwen2 = read("{\"model_type\": \"qwen2\", \"hidden_size\": 32, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 2, \"num_hidden_layers\": 3, \"sliding_window\": 32768,"
                + " \"max_window_layers\": 21, \"use_sliding_window\": false, \"use_mrope\": false}");
        assertThat(qwen2.slidingWindow()).isNull();  // Qwen2Config drops the window without use_sliding_window
        assertThat(qwen2.qkvBias()).isTrue();
        assertThat(qwen2.outputBias()).isFalse();
        assertThat(qwen2.bosTokenId()).isNull();
        assertThat(qwen2.layerTypes()).containsExactly("full_attention", "full_attention", "full_attention");
        LlamaConfig windowed = read("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 3, \"num_key_value_heads\": null, \"use_sliding_window\": true,"
                + " \"sliding_window\": 8, \"max_window_layers\": 1}");
        assertThat(List.of(windowed.slidingWindowOf(0), windowed.slidingWindowOf(1), windowed.slidingWindowOf(2)))
                .containsExactly(0, 8, 8);

        LlamaConfig qwen3 = read("{\"model_type\": \"qwen3\", \"hidden_size\": 64, \"num_attention_heads\": 32}");
        assertThat(qwen3.headDim()).isEqualTo(128);  // Qwen3Config's default, not hidden_size / heads
        assertThat(qwen3.qkNorm()).isTrue();
        assertThat(qwen3.numKeyValueHeads()).isEqualTo(32);
    }

    @Test
    void everyFamilyRoundTripsThroughItsOwnConfigJson() {
        for (String type : LlamaConfig.MODEL_TYPES) {
            String rope = "\"rope_parameters\": {\"rope_type\": \"yarn\", \"factor\": 2.0, \"rope_theta\": 1000.0, "
                    + "\"original_max_position_embeddings\": 32, \"attention_factor\": 1.5}";
            LlamaConfig c = read("{\"model_type\": \"" + type + "\", \"vocab_size\": 50, \"hidden_size\": 32,"
                    + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"num_hidden_layers\": 2, \"head_dim\": 16,"
                    + " \"max_position_embeddings\": 64, \"tie_word_embeddings\": true, \"architectures\": [\"X\"],"
                    + " \"torch_dtype\": \"bfloat16\", \"transformers_version\": \"4.45.0\", \"use_cache\": true, "
                    + rope + "}");
            LlamaConfig back = LlamaConfig.fromHfJson(parse(Json.write(c.toHfJson())));
            assertThat(back).as(type).isEqualTo(c);
            assertThat(new LlamaForCausalLm(c).namedParameters().keySet().stream()
                    .filter(n -> n.contains("q_norm")).count()).as(type).isEqualTo(type.equals("qwen3") ? 2 : 0);
        }
    }
}
