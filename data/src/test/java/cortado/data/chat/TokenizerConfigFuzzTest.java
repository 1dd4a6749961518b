package cortado.data.chat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@code tokenizer_config.json}: any bytes either load (special tokens, one or several chat templates) and
 * the template transformers would pick compiles and renders a fixed conversation, or are refused with a
 * {@link TokenizerConfig.ConfigException} or a {@link TemplateException}. Anything else thrown, a hang past the
 * timeout or an out-of-memory is a finding. Seeds (the fixture models' files) and findings replayed by every
 * {@code mvn test}: {@code src/test/resources/cortado/data/chat/TokenizerConfigFuzzTestInputs/}.
 */
class TokenizerConfigFuzzTest {
    private static final Path DIR = scratchDir();

    @FuzzTest(maxDuration = "10m")
    @Timeout(10)
    void loadsOrRefusesCleanly(byte[] input) throws IOException {
        Files.write(DIR.resolve("tokenizer_config.json"), input);
        for (boolean withTools : new boolean[] {false, true}) {
            ChatTemplate template;
            try {
                template = TokenizerConfig.load(DIR).template(withTools);
            } catch (TokenizerConfig.ConfigException | TemplateException refused) {
                return;
            }
            ChatTemplateFuzzTest.renderBoth(template.withClock(() -> ChatResources.CLOCK),
                    ChatTemplateFuzzTest.CONVERSATION);
        }
    }

    private static Path scratchDir() {
        try {
            Path dir = Files.createTempDirectory("tokenizer-config-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve("tokenizer_config.json").toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
