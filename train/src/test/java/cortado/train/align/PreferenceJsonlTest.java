package cortado.train.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.train.TokenDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreferenceJsonlTest {
    @TempDir Path dir;

    Path write(String... lines) throws Exception {
        Path f = dir.resolve("p.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void explicitAndImplicitPrompts() throws Exception {
        List<PreferenceJsonl.Pair> p = PreferenceJsonl.load(write(
                "{\"prompt\": \"Q: sky?\", \"chosen\": \" blue\", \"rejected\": \" green\"}", "",
                "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}"));
        assertThat(p).hasSize(2);
        assertThat(p.get(0).prompt()).isEqualTo("Q: sky?");
        // TRL's extract_prompt: the space before the first difference goes to the completions
        assertThat(p.get(1)).isEqualTo(new PreferenceJsonl.Pair("The sky is", " blue.", " green.", 3));
    }

    @Test
    void badLinesNameFileLineAndField() throws Exception {
        Path f = write("{\"chosen\": \"a b\", \"rejected\": \"a c\"}", "{\"prompt\": \"x\", \"chosen\": \"y\"}");
        assertThatThrownBy(() -> PreferenceJsonl.load(f)).isInstanceOf(TokenDataException.class)
                .hasMessageStartingWith(f + ":2: missing \"rejected\"");
        Path g = write("{\"chosen\": [{\"role\": \"user\", \"content\": \"hi\"}], \"rejected\": \"no\"}");
        assertThatThrownBy(() -> PreferenceJsonl.load(g)).hasMessageContaining(g + ":1: \"chosen\" is a message list");
        Path h = write("{\"chosen\": \"same\", \"rejected\": \"same\"}");
        assertThatThrownBy(() -> PreferenceJsonl.load(h)).hasMessageContaining(":1: no \"prompt\"");
        Path k = write("not json");
        assertThatThrownBy(() -> PreferenceJsonl.load(k)).hasMessageContaining(":1: not a JSON object");
    }
}
