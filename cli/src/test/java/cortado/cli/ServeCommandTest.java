package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cortado serve}'s argument errors, one line each before anything loads (the server itself: serve's tests). */
class ServeCommandTest {
    @TempDir Path tmp;

    private static Path servedGolden() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("serve/src/test/resources/serve");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("serve/src/test/resources/serve not found");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        CliRun.Result missing = CliRun.run("serve", "--model", tmp.resolve("nothing").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("not a checkpoint directory");
        CliRun.Result port = CliRun.run("serve", "--model", tmp.toString(), "--port", "70000");
        assertThat(port.code()).isEqualTo(2);
        assertThat(port.err()).contains("--port must lie in [0, 65535]");
        CliRun.Result batch = CliRun.run("serve", "--model", tmp.toString(), "--max-batch", "0");
        assertThat(batch.code()).isEqualTo(2);
        assertThat(batch.err()).contains("max-batch");
        // --adapter is read after the model loads (serve declares no --task-id: LoRA adapters only).
        Path model = servedGolden().resolve("tiny-chat");
        CliRun.Result clash = CliRun.run("serve", "--model", model.toString(), "--adapter", "tiny-chat=" + tmp);
        assertThat(clash.code()).as(clash.err()).isEqualTo(2);
        assertThat(clash.err()).contains("is the base model's name");
        CliRun.Result help = CliRun.run("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out() + help.err()).contains("--api-key", "--max-batch", "/v1/chat/completions");
    }
}
