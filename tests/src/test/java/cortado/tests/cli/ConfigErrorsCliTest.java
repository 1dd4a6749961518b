package cortado.tests.cli;

import static cortado.tests.cli.CliErrorsTest.assertOneErrorLine;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model directory whose config.json Cortado cannot honour gives one error line naming the field. */
class ConfigErrorsCliTest {
    @TempDir Path dir;

    private Path model(String name, String config) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), config);
        return d;
    }

    @Test
    void unknownAndUnsupportedFieldsAreNamed() throws Exception {
        String base = "\"model_type\": \"llama\", \"vocab_size\": 64, \"hidden_size\": 16, \"intermediate_size\": 32,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, ";
        Path unknown = model("unknown", "{" + base + "\"num_experts\": 8}");
        assertOneErrorLine(CliRunner.run("generate", "--model", unknown.toString(), "--prompt", "hi"), 1,
                "config.json", "num_experts", "not supported");
        Path longrope = model("longrope", "{" + base + "\"rope_scaling\": {\"rope_type\": \"longrope\","
                + " \"short_factor\": [1.0], \"long_factor\": [1.0]}}");
        assertOneErrorLine(CliRunner.run("generate", "--model", longrope.toString(), "--prompt", "hi"), 1,
                "config.json", "rope_type = \"longrope\"");
        Path qwen = model("qwen2mrope", "{\"model_type\": \"qwen2\", \"use_mrope\": true}");
        assertOneErrorLine(CliRunner.run("generate", "--model", qwen.toString(), "--prompt", "hi"), 1,
                "config.json", "use_mrope");
    }
}
