package cortado.tests.parity;

import cortado.tests.cli.CliRunner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing, truncated or corrupt checkpoint, or a config that does not fit its weights, ends {@code cortado generate
 * --model DIR} with exit code 1 and one line {@code error: <file>: <problem>} on stderr: no stack trace, and no
 * allocation from a lying header length.
 */
class CorruptCheckpointCliTest {
    @TempDir Path tmp;
    Path model, weights, config;

    @BeforeEach
    void copyGoldenModel() throws IOException {
        model = tmp.resolve("gpt2");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(Golden.path("gpt2").resolve(f), model.resolve(f));
        weights = model.resolve("model.safetensors");
        config = model.resolve("config.json");
    }

    private static CliRunner.Result generate(Path dir) {
        return CliRunner.run("generate", "--model", dir.toString(), "--prompt", "hi", "--max-new-tokens", "2");
    }

    private void assertError(Path file, String problem) {
        CliRunner.Result r = generate(model);
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("error: " + file + ": ").contains(problem).doesNotContain("Exception", "\tat ");
    }

    /** Replaces the weights with an 8-byte length, the header text and {@code dataBytes} zero bytes. */
    private void writeWeights(long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Files.write(weights, b.array());
    }

    @Test
    void missingDirectoryAndFiles() throws IOException {
        Path gone = tmp.resolve("nowhere");
        CliRunner.Result r = generate(gone);
        assertThat(r.code()).isEqualTo(1);
        // a path that is neither a preset nor a directory: the CLI's own message names it
        assertThat(r.err()).startsWith("error: ").contains("nowhere");
        Files.delete(weights);
        assertError(model, "no model.safetensors or model.safetensors.index.json");
        Files.delete(config);
        assertError(config, "missing");
    }

    @Test
    void truncatedWeights() throws IOException {
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(all, all.length - 1000));
        assertError(weights, "out of range");
        Files.write(weights, Arrays.copyOf(all, 5));
        assertError(weights, "shorter than the 8-byte header length");
    }

    @Test
    void lyingHeaderLengthDoesNotAllocate() throws IOException {
        writeWeights(1L << 60, "{}      ", 0);
        assertError(weights, "header length 1152921504606846976 is larger than the file (16 bytes)");
    }

    @Test
    void corruptHeaders() throws IOException {
        writeWeights(11, "{\"a\": [1, 2", 0);
        assertError(weights, "invalid JSON header");
        String t = "{\"transformer.wte.weight\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        writeWeights(t.length(), t, 8);
        assertError(weights, "tensor 'transformer.wte.weight': unknown dtype 'Q4'");
        t = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        writeWeights(t.length(), t, 12);
        assertError(weights, "tensors 'a' [0, 8) and 'b' [4, 12) overlap");
        t = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}";
        writeWeights(t.length(), t, 8);
        assertError(weights, "tensor 'a': data_offsets [0, 4000000] out of range");
    }

    @Test
    void configThatDoesNotFitItsWeights() throws IOException {
        Files.writeString(config, Files.readString(config).replace("\"n_embd\": 32", "\"n_embd\": 64"));
        assertError(weights, "weights do not fit config.json (gpt2): shape mismatch: transformer.wte.weight is [96, 32]"
                + " in model.safetensors but the config gives [96, 64], ");
        Files.writeString(config, "{\"model_type\": \"gpt2\", \"n_embd\": 30, \"n_head\": 4}");
        assertError(config, "n_head (4) does not divide n_embd (30)");
    }
}
