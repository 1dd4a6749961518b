package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --config key=value,...} on a preset's or a config.json's fields: parsing, derived fields, errors by key. */
class ConfigOverridesTest {
    private static Map<String, Object> gpt2Tiny() { return Presets.config("gpt2-tiny").toHfJson(); }

    @Test
    void parsesJsonValuesAndBareWords() {
        Map<String, Object> m = ConfigOverrides.parse("n_layer=4, initializer_range=0.01,tie_word_embeddings=false,"
                + "bos_token_id=null,eos_token_id=[1,2],activation_function=gelu_new");
        assertThat(m).containsEntry("n_layer", 4L).containsEntry("initializer_range", 0.01)
                .containsEntry("tie_word_embeddings", false).containsEntry("bos_token_id", null)
                .containsEntry("eos_token_id", List.of(1L, 2L)).containsEntry("activation_function", "gelu_new");
        assertThatThrownBy(() -> ConfigOverrides.parse("n_layer")).hasMessageContaining("'n_layer' is not key=value");
        assertThatThrownBy(() -> ConfigOverrides.parse("n_layer=2,n_layer=3")).hasMessageContaining("n_layer: given twice");
        assertThatThrownBy(() -> ConfigOverrides.parse("n_layer=")).hasMessageContaining("n_layer: no value");
    }

    @Test
    void changesAPresetAndItsDerivedFields() {
        Gpt2Config c = (Gpt2Config) Models.config(ConfigOverrides.apply(gpt2Tiny(),
                ConfigOverrides.parse("n_layer=3,n_embd=48,n_head=6,n_positions=512")));
        assertThat(c.nLayer()).isEqualTo(3);
        assertThat(c.nEmbd()).isEqualTo(48);
        assertThat(c.nHead()).isEqualTo(6);
        assertThat(c.nPositions()).isEqualTo(512);
        assertThat(c.nInner()).as("n_inner was 4 x n_embd and stays so").isEqualTo(4 * 48);
        assertThat(c.vocabSize()).isEqualTo(257);
        // transformers' GPT2Config.attribute_map names
        Gpt2Config d = (Gpt2Config) Models.config(ConfigOverrides.apply(gpt2Tiny(),
                ConfigOverrides.parse("num_hidden_layers=5,hidden_size=64")));
        assertThat(d.nLayer()).isEqualTo(5);
        assertThat(d.nEmbd()).isEqualTo(64);
        assertThat(d.nInner()).isEqualTo(256);
    }

    @Test
    void llamaHeadDimAndKeyValueHeadsFollowUnlessSet() {
        Map<String, Object> base = Presets.config("llama-tiny").toHfJson();   // 32 wide, 4 heads over 2 kv heads
        LlamaConfig c = (LlamaConfig) Models.config(ConfigOverrides.apply(base,
                ConfigOverrides.parse("hidden_size=64,num_attention_heads=8,num_key_value_heads=4,intermediate_size=96")));
        assertThat(c.headDim()).isEqualTo(8);
        assertThat(c.numKeyValueHeads()).isEqualTo(4);
        assertThat(c.intermediateSize()).isEqualTo(96);

        Map<String, Object> mha = new LinkedHashMap<>(Map.of("model_type", "qwen2", "hidden_size", 32L,
                "num_attention_heads", 4L, "num_key_value_heads", 4L, "num_hidden_layers", 1L, "intermediate_size", 64L,
                "vocab_size", 100L));
        LlamaConfig q = (LlamaConfig) Models.config(ConfigOverrides.apply(mha, ConfigOverrides.parse("num_attention_heads=8")));
        assertThat(q.numAttentionHeads()).isEqualTo(8);
        assertThat(q.numKeyValueHeads()).as("multi-head attention stays multi-head").isEqualTo(8);
        assertThat(q.headDim()).isEqualTo(4);

        LlamaConfig r = (LlamaConfig) Models.config(ConfigOverrides.apply(base, ConfigOverrides.parse("rope_theta=500000")));
        assertThat(r.ropeTheta()).isEqualTo(500000f);
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("n_layers=2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("--config n_layers: not a field of a gpt2 config (fields: vocab_size,");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("n_layer=2.5")))
                .hasMessage("--config n_layer: must be an integer, got 2.5");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("n_layer=two")))
                .hasMessage("--config n_layer: must be an integer, got \"two\"");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("tie_word_embeddings=1")))
                .hasMessage("--config tie_word_embeddings: must be true or false, got 1");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("n_embd=50")))
                .hasMessage("--config: n_head (4) does not divide n_embd (50)");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("n_layer=0")))
                .hasMessage("--config: n_layer must be positive, got 0");
        assertThatThrownBy(() -> ConfigOverrides.apply(gpt2Tiny(), ConfigOverrides.parse("model_type=llama")))
                .hasMessageStartingWith("--config model_type: not a field");
        assertThatThrownBy(() -> ConfigOverrides.apply(Presets.config("llama-tiny").toHfJson(),
                ConfigOverrides.parse("num_key_value_heads=3")))
                .hasMessage("--config: num_key_value_heads (3) does not divide num_attention_heads (4)");
        assertThatThrownBy(() -> ConfigOverrides.apply(Presets.config("llama-tiny").toHfJson(),
                ConfigOverrides.parse("rope_parameters=1")))
                .hasMessageContaining("rope_parameters: a nested object");
    }
}
