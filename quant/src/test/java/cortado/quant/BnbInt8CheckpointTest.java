package cortado.quant;

import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The LLM.int8 layout (weight I8, SCB, weight_format) written by tools/quant/make_bnb_checkpoint.py. */
class BnbInt8CheckpointTest {
    static final String W = "model.layers.0.mlp.up_proj.weight";

    static Path fixture() throws Exception {
        return Path.of(BnbInt8CheckpointTest.class.getResource("/quant/bnb_llama_int8/config.json").toURI()).getParent();
    }

    @Test
    void loadsAndMatchesJavaRowQuantization() throws Exception {
        Path dir = fixture();
        assertThat(BnbCheckpoint.isQuantized(dir)).isTrue();
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("load_in_4bit is not true");
        BnbCheckpoint.Int8Contents c = BnbCheckpoint.loadInt8(dir);
        assertThat(c.quantized()).hasSize(7);
        assertThat(c.tensors()).containsKeys("model.embed_tokens.weight", "lm_head.weight").doesNotContainKey(W);
        assertThat(c.tensors().keySet()).noneMatch(k -> k.endsWith(".SCB") || k.endsWith(".weight_format"));
        try (SafetensorsFile ref = Safetensors.read(dir.resolve("reference.safetensors"))) {
            for (Map.Entry<String, Quantized8bit> e : c.quantized().entrySet()) {
                Quantized8bit mine = Int8RowQuantizer.quantize(ref.toFloatTensor(e.getKey()).toArray(), ref.shape(e.getKey()));
                assertThat(e.getValue().codes()).as(e.getKey()).isEqualTo(mine.codes());
                assertThat(e.getValue().scales()).as(e.getKey()).isEqualTo(mine.scales());
                assertThat(e.getValue().shape()).isEqualTo(mine.shape());
            }
        }
    }

    @Test
    void writesTheSameTensorsBack(@TempDir Path tmp) throws Exception {
        BnbCheckpoint.Int8Contents c = BnbCheckpoint.loadInt8(fixture());
        Map<String, Object> cfg = new java.util.LinkedHashMap<>(c.config());
        cfg.remove("quantization_config");
        BnbCheckpoint.saveInt8(tmp, cfg, c.skipModules(), c.quantized(), c.tensors());
        try (SafetensorsFile a = Safetensors.read(fixture().resolve("model.safetensors"));
             SafetensorsFile b = Safetensors.read(tmp.resolve("model.safetensors"))) {
            assertThat(b.names()).containsExactlyInAnyOrderElementsOf(a.names());
            for (String n : a.names()) {
                assertThat(b.dtype(n)).as(n).isEqualTo(a.dtype(n));
                assertThat(b.shape(n)).as(n).isEqualTo(a.shape(n));
                assertThat(b.bytes(n).toArray(ValueLayout.JAVA_BYTE)).as(n).isEqualTo(a.bytes(n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        assertThat(cortado.data.json.Json.parseObject(Files.readString(tmp.resolve("config.json"))).get("quantization_config"))
                .isEqualTo(c.config().get("quantization_config"));
    }

    @Test
    void missingScbNamesTheTensor(@TempDir Path tmp) throws Exception {
        Files.copy(fixture().resolve("config.json"), tmp.resolve("config.json"));
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        try (SafetensorsFile f = Safetensors.read(fixture().resolve("model.safetensors"))) {
            for (String n : f.names())
                if (!n.equals("model.layers.0.mlp.up_proj.SCB"))
                    w.add(n, f.dtype(n), java.util.Arrays.stream(f.shape(n)).asLongStream().toArray(),
                            f.bytes(n).toArray(ValueLayout.JAVA_BYTE));
        }
        w.write(tmp.resolve("model.safetensors"), null);
        assertThatThrownBy(() -> BnbCheckpoint.loadInt8(tmp)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + W + "'").hasMessageContaining("model.layers.0.mlp.up_proj.SCB' are missing");
    }
}
