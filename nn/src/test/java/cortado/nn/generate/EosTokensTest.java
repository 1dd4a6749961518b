package cortado.nn.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.models.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EosTokensTest {
    @TempDir Path dir;

    @Test
    void generationConfigWinsOverConfigJson() throws Exception {
        var config = Presets.config("llama-tiny"); // eos_token_id 256
        assertThat(EosTokens.of(config, dir)).containsExactly(256); // no generation_config.json
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [128001, 128009]}");
        assertThat(EosTokens.of(config, dir)).containsExactly(128001, 128009);
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 7, \"do_sample\": true}");
        assertThat(EosTokens.of(config, dir)).containsExactly(7);
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": null}");
        assertThat(EosTokens.of(config, dir)).containsExactly(256);
    }

    @Test
    void aMalformedGenerationConfigNamesTheFileAndField() throws Exception {
        Path f = dir.resolve("generation_config.json");
        Files.writeString(f, "{\"eos_token_id\": [1, \"x\"]}");
        assertThatThrownBy(() -> EosTokens.of(Presets.config("llama-tiny"), dir))
                .hasMessage(f + ": eos_token_id must be a token id or a list of them, got [1,\"x\"]");
        Files.writeString(f, "{\"eos_token_id\": ");
        assertThatThrownBy(() -> EosTokens.of(Presets.config("llama-tiny"), dir)).hasMessageStartingWith(f + ": ");
    }

    @Test
    void stopStringCutIsTheEarliestOccurrence() {
        var s = new StoppingCriteria(5, java.util.Set.of(), java.util.List.of("END", "\n\n"));
        assertThat(s.stopStringCut("abc\n\nxEND")).isEqualTo(3);
        assertThat(s.stopStringCut("abcEN")).isEqualTo(-1);
        assertThatThrownBy(() -> new StoppingCriteria(1, java.util.Set.of(), java.util.List.of("")))
                .hasMessageContaining("stop string cannot be empty");
    }
}
