package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Per-request LoRA adapters through the server: the golden model with two PEFT adapters (lora-a on q/v, lora-b on
 * every linear layer; tools/golden/serve/make_multilora_golden.py), each request naming the base or an adapter. Greedy
 * completions equal PEFT's generate() token for token (the text of its ids, its token count and finish reason) for
 * the base and each adapter, asked one at a time and all nine at once (so rows of different adapters share decode
 * steps, as PEFT's adapter_names batches do); /v1/models lists the adapters with the base as parent; adapters load
 * and unload at runtime through vLLM's routes.
 */
class MultiLoraServerTest {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final List<String> MODELS = List.of(TinyChatModel.NAME, "lora-a", "lora-b");

    @Test
    @SuppressWarnings("unchecked")
    void eachRequestDecodesThroughItsOwnAdapterAloneAndInAMixedBatch() throws Exception {
        ServedModel base = TinyChatModel.load();
        PeftModel peft = AdapterFiles.load(base.model(), TinyChatModel.resource("serve/lora-a"), "lora-a");
        AdapterFiles.loadAdapter(peft, "lora-b", TinyChatModel.resource("serve/lora-b"));
        ServedModel served = base.withAdapters(peft);
        Map<String, Object> golden = Json.parseObject(Files.readString(TinyChatModel.resource("serve/multilora.json")));
        List<Map<String, Object>> cases = (List<Map<String, Object>>) golden.get("cases");
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 9, 32,
                1 << 20, 5, 0))) {
            String url = "http://127.0.0.1:" + server.port();
            Map<String, Object> models = Json.parseObject(get(url + "/v1/models"));
            List<Map<String, Object>> cards = (List<Map<String, Object>>) models.get("data");
            assertThat(cards).extracting(c -> c.get("id")).containsExactly("tiny-chat", "lora-a", "lora-b");
            assertThat(cards).extracting(c -> c.get("parent")).containsExactly(null, "tiny-chat", "tiny-chat");

            for (Map<String, Object> c : cases)       // one at a time
                for (String model : MODELS) expectGolden(served, complete(url, model, c), c, model);
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            List<Future<Map<String, Object>>> all = new ArrayList<>();
            for (Map<String, Object> c : cases)       // all at once: mixed batches
                for (String model : MODELS) all.add(pool.submit(() -> complete(url, model, c)));
            int i = 0;
            for (Map<String, Object> c : cases)
                for (String model : MODELS) expectGolden(served, all.get(i++).get(), c, model);
            pool.shutdown();

            HttpResponse<String> unknown = post(url + "/v1/completions", Map.of("model", "lora-c", "prompt", "a"));
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("model_not_found");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void adaptersLoadAndUnloadAtRuntime() throws Exception {
        ServedModel base = TinyChatModel.load();
        ServedModel served = base.withAdapters(AdapterFiles.load(base.model(), TinyChatModel.resource("serve/lora-a"), "lora-a"));
        Map<String, Object> golden = Json.parseObject(Files.readString(TinyChatModel.resource("serve/multilora.json")));
        Map<String, Object> c = ((List<Map<String, Object>>) golden.get("cases")).get(0);
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 4, 16,
                1 << 20, 5, 0))) {
            String url = "http://127.0.0.1:" + server.port();
            String loraB = TinyChatModel.resource("serve/lora-b").toString();
            assertThat(post(url + "/v1/completions", Map.of("model", "lora-b", "prompt", "a")).statusCode()).isEqualTo(404);
            HttpResponse<String> load = post(url + "/v1/load_lora_adapter", Map.of("lora_name", "lora-b", "lora_path", loraB));
            assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
            assertThat(load.body()).isEqualTo("Success: LoRA adapter 'lora-b' added successfully.");
            assertThat(get(url + "/v1/models")).contains("\"id\":\"lora-b\"");
            for (String model : MODELS) expectGolden(served, complete(url, model, c), c, model);

            assertThat(post(url + "/v1/load_lora_adapter", Map.of("lora_name", "lora-b", "lora_path", loraB)).body())
                    .contains("has already been loaded");
            HttpResponse<String> bad = post(url + "/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", url));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("lora_path");
            HttpResponse<String> unload = post(url + "/v1/unload_lora_adapter", Map.of("lora_name", "lora-b"));
            assertThat(unload.statusCode()).as(unload.body()).isEqualTo(200);
            assertThat(post(url + "/v1/completions", Map.of("model", "lora-b", "prompt", "a")).statusCode()).isEqualTo(404);
            assertThat(post(url + "/v1/unload_lora_adapter", Map.of("lora_name", "lora-b")).statusCode()).isEqualTo(404);
            assertThat(post(url + "/v1/unload_lora_adapter", Map.of("lora_name", "lora-a")).body()).contains("only adapter");
            // Loaded again under the same name: its blocks get a new prefix-cache key, and the output is lora-b's.
            assertThat(post(url + "/v1/load_lora_adapter", Map.of("lora_name", "lora-b", "lora_path", loraB)).statusCode())
                    .isEqualTo(200);
            for (String model : MODELS) expectGolden(served, complete(url, model, c), c, model);
        }
    }

    /**
     * An adapter unloaded and loaded again under the same name from other weights must not reuse the blocks its first
     * load cached: the second answer to a prompt of several whole blocks equals the other adapter's own answer.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aReloadedNameNeverReusesTheBlocksItsOldWeightsCached() throws Exception {
        ServedModel base = TinyChatModel.load();
        PeftModel peft = AdapterFiles.load(base.model(), TinyChatModel.resource("serve/lora-a"), "lora-a");
        AdapterFiles.loadAdapter(peft, "lora-b", TinyChatModel.resource("serve/lora-b"));
        ServedModel served = base.withAdapters(peft);
        String prompt = "The lighthouse keeper counted the steps again and wrote the number in the log: two hundred and"
                + " nineteen, the same as every night since the storm";
        assertThat(served.tokenizer().encode(prompt).length).as("whole KV blocks of 16 to cache").isGreaterThan(32);
        Map<String, Object> c = Map.of("prompt", prompt, "max_tokens", 8L);
        try (OpenAiServer server = OpenAiServer.start(served, new OpenAiServer.Options("127.0.0.1", 0, null, 4, 16,
                1 << 20, 5, 0))) {
            String url = "http://127.0.0.1:" + server.port();
            String a = TinyChatModel.resource("serve/lora-a").toString(), b = TinyChatModel.resource("serve/lora-b").toString();
            Object textA = firstText(complete(url, "lora-a", c)), textB = firstText(complete(url, "lora-b", c));
            assertThat(textA).isNotEqualTo(textB);
            assertThat(post(url + "/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", a)).statusCode()).isEqualTo(200);
            assertThat(firstText(complete(url, "x", c))).isEqualTo(textA);
            assertThat(firstText(complete(url, "x", c))).as("again, from the prefix cache").isEqualTo(textA);
            assertThat(post(url + "/v1/unload_lora_adapter", Map.of("lora_name", "x")).statusCode()).isEqualTo(200);
            assertThat(post(url + "/v1/load_lora_adapter", Map.of("lora_name", "x", "lora_path", b)).statusCode()).isEqualTo(200);
            assertThat(firstText(complete(url, "x", c))).as("x now holds lora-b's weights").isEqualTo(textB);
            String metrics = get(url + "/metrics");
            assertThat(metrics).containsPattern("cortado:prefix_cache_hits_total\\{[^}]*\\} [1-9]");
        }
    }

    @SuppressWarnings("unchecked")
    private static Object firstText(Map<String, Object> reply) {
        return ((List<Map<String, Object>>) reply.get("choices")).get(0).get("text");
    }

    private static void expectGolden(ServedModel served, Map<String, Object> reply, Map<String, Object> c, String model) {
        List<?> ids = (List<?>) c.get(model.equals(TinyChatModel.NAME) ? "base" : model);
        int[] generated = ids.stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        boolean stopped = generated.length > 0 && generated[generated.length - 1] == 2;
        int[] text = stopped ? Arrays.copyOf(generated, generated.length - 1) : generated;
        @SuppressWarnings("unchecked")
        Map<String, Object> choice = ((List<Map<String, Object>>) reply.get("choices")).get(0);
        String what = model + " on '" + c.get("prompt") + "'";
        assertThat(reply.get("model")).as(what).isEqualTo(model);
        assertThat(choice.get("text")).as(what).isEqualTo(served.tokenizer().decode(text));
        assertThat(choice.get("finish_reason")).as(what).isEqualTo(stopped ? "stop" : "length");
        @SuppressWarnings("unchecked")
        Map<String, Object> usage = (Map<String, Object>) reply.get("usage");
        assertThat(usage.get("completion_tokens")).as(what).isEqualTo((long) generated.length);
    }

    private static Map<String, Object> complete(String url, String model, Map<String, Object> c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("prompt", c.get("prompt"));
        body.put("max_tokens", c.get("max_tokens"));
        body.put("temperature", 0);
        HttpResponse<String> r = post(url + "/v1/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parseObject(r.body());
    }

    private static HttpResponse<String> post(String url, Map<String, Object> body) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String get(String url) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
