package cortado.nn.models.bert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.nn.models.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json's initializer_range reaches a new BERT's weights (transformers' _init_weights), and travels with saves. */
class BertInitTest {
    @TempDir Path dir;

    @SuppressWarnings("unchecked")
    static BertConfig config(String extra) {
        return BertConfig.fromHfJson((Map<String, Object>) Json.parse("{\"model_type\": \"bert\", \"vocab_size\": 50,"
                + " \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"intermediate_size\": 64,"
                + " \"max_position_embeddings\": 16" + extra + "}"));
    }

    /** The sample standard deviation of a parameter's entries. */
    static double std(float[] v) {
        double sum = 0, sq = 0;
        for (float x : v) { sum += x; sq += (double) x * x; }
        double mean = sum / v.length;
        return Math.sqrt(sq / v.length - mean * mean);
    }

    @Test
    void weightsAndEmbeddingsDrawWithTheConfigsRangeBiasesAndNormsAsTransformers() {
        assertThat(config("").initializerRange()).isEqualTo(0.02f);   // transformers' default when absent
        BertConfig c = config(", \"initializer_range\": 0.25");
        assertThat(c.initializerRange()).isEqualTo(0.25f);
        var m = new BertForSequenceClassification(c);
        BertInit.apply(m, c.initializerRange(), 7);
        var p = m.namedParameters();
        // 1024 and 1600 draws: the sample std is within ~3% of sigma at 1 standard error (1/sqrt(2n))
        assertThat(std(p.get("bert.encoder.layer.0.attention.self.query.weight").value().toArray())).isCloseTo(0.25, within(0.02));
        assertThat(std(p.get("bert.embeddings.word_embeddings.weight").value().toArray())).isCloseTo(0.25, within(0.02));
        assertThat(p.get("bert.encoder.layer.0.attention.self.query.bias").value().toArray()).containsOnly(0f);
        assertThat(p.get("bert.embeddings.LayerNorm.weight").value().toArray()).containsOnly(1f);
        BertCheckpoint.save(m, c, "BertForSequenceClassification", null, dir);
        assertThat(BertCheckpoint.config(dir).initializerRange()).isEqualTo(0.25f);
    }

    @Test
    void aNegativeRangeIsRefusedWithTheField() {
        assertThatThrownBy(() -> config(", \"initializer_range\": -0.1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("initializer_range");
    }
}
