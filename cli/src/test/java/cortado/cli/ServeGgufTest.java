package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} on a GGUF file: the served golden model exported by {@code cortado export gguf --type f32} (weights,
 * byte-level BPE vocabulary and chat template in the file's metadata) and served as {@code serve --model FILE.gguf}
 * serves it, answers every completion and chat case of transformers' greedy golden (serve/src/test/resources/serve,
 * tools/golden/serve/make_serve_golden.py) with its text, token count and finish reason.
 */
class ServeGgufTest {
    @TempDir Path tmp;

    private static Path servedGolden() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("serve/src/test/resources/serve");
            if (Files.isDirectory(s)) return s;
        }
        throw new AssertionError("serve/src/test/resources/serve not found");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anExportedGgufServesTransformersGreedyAnswers() throws Exception {
        Path golden = servedGolden(), gguf = tmp.resolve("tiny-chat.gguf");
        CliRun.Result export = CliRun.run("export", "gguf", "--model", golden.resolve("tiny-chat").toString(), "--type",
                "f32", "--out", gguf.toString());
        assertThat(export.code()).as(export.err()).isZero();
        ServedModel served = ServeCommand.servedGguf("tiny-chat", gguf, null);
        assertThat(served.chatTemplate()).as("the chat template from the file's metadata").isNotNull();
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Json.parseObject(
                Files.readString(golden.resolve("greedy.json"))).get("cases");
        HttpClient client = HttpClient.newHttpClient();
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 4, 16,
                1 << 20, 5, 0))) {
            for (Map<String, Object> c : cases) {
                boolean chat = c.get("kind").equals("chat");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("model", "tiny-chat");
                if (chat) body.put("messages", c.get("messages"));
                else body.put("prompt", c.get("prompt"));
                body.put("max_tokens", c.get("max_tokens"));
                body.put("temperature", 0);
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + (chat ? "/v1/chat/completions" : "/v1/completions"))).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Map<String, Object> reply = Json.parseObject(r.body());
                Map<String, Object> choice = ((List<Map<String, Object>>) reply.get("choices")).get(0);
                Object text = chat ? ((Map<String, Object>) choice.get("message")).get("content") : choice.get("text");
                String what = c.get("kind") + " " + (chat ? c.get("messages") : c.get("prompt"));
                assertThat(text).as(what).isEqualTo(c.get("text"));
                assertThat(choice.get("finish_reason")).as(what).isEqualTo(c.get("finish_reason"));
                assertThat(((Map<String, Object>) reply.get("usage")).get("prompt_tokens")).as(what)
                        .isEqualTo((long) ((List<?>) c.get("prompt_ids")).size());
                assertThat(((Map<String, Object>) reply.get("usage")).get("completion_tokens")).as(what)
                        .isEqualTo((long) ((List<?>) c.get("completion_ids")).size());
            }
        }
    }
}
