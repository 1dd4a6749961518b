package cortado.serve;

import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The golden served model of tools/golden/serve/make_serve_golden.py (a tiny random Llama with a ChatML tokenizer,
 * 128 positions) and transformers' greedy generations on it.
 */
final class TinyChatModel {
    static final String NAME = "tiny-chat";

    private TinyChatModel() {}

    static Path dir() { return resource("serve/tiny-chat"); }

    static ServedModel load() {
        CausalLm model = HfCheckpoint.load(dir());
        return ServedModel.of(NAME, model, Tokenizers.open(dir()), dir());
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> goldenCases() {
        try {
            return (List<Map<String, Object>>) Json.parseObject(Files.readString(resource("serve/greedy.json"))).get("cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String name) {
        try {
            return Path.of(TinyChatModel.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
