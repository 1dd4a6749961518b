package cortado.nn.models;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes {@code config.json}: any bytes either describe a GPT-2, Llama-family or BERT config, or are refused with a
 * {@link ConfigException} or a {@link CheckpointException} (malformed JSON). A config that parses must survive
 * writing and reading back unchanged ({@code toHfJson} then {@code fromHfJson}), and its RoPE inverse frequencies
 * must compute. Anything else thrown, a hang past the timeout or an out-of-memory is a finding. Seeds (the golden
 * config.json files of every family and rope_scaling type) and findings replayed by every {@code mvn test}:
 * {@code src/test/resources/cortado/nn/models/ConfigJsonFuzzTestInputs/}.
 */
class ConfigJsonFuzzTest {
    private static final Path DIR = scratchDir();

    @FuzzTest(maxDuration = "10m")
    @Timeout(10)
    void parsesOrRefusesCleanly(byte[] input) throws IOException {
        Files.write(DIR.resolve(HfCheckpoint.CONFIG), input);
        try {
            Map<String, Object> json = HfCheckpoint.readConfig(DIR);
            switch (json.get("model_type") instanceof String s ? s : "") {
                case "gpt2" -> {
                    Gpt2Config c = Gpt2Config.fromHfJson(json);
                    assertEquals(c, Gpt2Config.fromHfJson(c.toHfJson()), "gpt2 config changes when saved and read back");
                }
                case "llama", "mistral", "qwen2", "qwen3" -> {
                    LlamaConfig c = LlamaConfig.fromHfJson(json);
                    assertEquals(c, LlamaConfig.fromHfJson(c.toHfJson()), "llama config changes when saved and read back");
                    // the rotary tables a model would build (bounded: a real head_dim is at most a few hundred)
                    if (c.headDim() <= 4096) c.rope().inverseFrequencies(c.headDim(), Math.min(c.maxPositions(), 1 << 20));
                    c.rope().attentionFactor();
                    c.eosTokenIds();
                }
                case "bert" -> BertConfig.fromHfJson(json).headDim();
                default -> Models.forLoading(json);   // refuses the type by name
            }
        } catch (ConfigException | CheckpointException refused) {
            // one message naming config.json and the field
        }
    }

    private static Path scratchDir() {
        try {
            Path dir = Files.createTempDirectory("config-json-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve(HfCheckpoint.CONFIG).toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
