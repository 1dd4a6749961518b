package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server end to end on loopback with the golden tiny model: the JDK's HttpClient (which offers {@code Upgrade: h2c}
 * on its first request) for the OpenAI routes, raw HTTP/1.1 over a socket for the faults.
 */
class OpenAiServerTest {
    private static final String KEY = "sk-test-key";
    private static OpenAiServer server;
    private static HttpClient client;
    /** Requests in flight together (the common pool has a single thread on a two-core machine). */
    private static final ExecutorService CLIENTS = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    static void start() throws IOException {
        server = OpenAiServer.start(TinyChatModel.load(), new OpenAiServer.Options("127.0.0.1", 0, KEY, 4, 64, 4096, 5, 0));
        client = HttpClient.newHttpClient(); // HTTP/2 preferred: plain http means an h2c upgrade offer
    }

    @AfterAll
    static void stop() { server.close(); }

    private static HttpResponse<String> post(String path, Map<String, Object> body) {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
        try {
            return client.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Object> request(Map<String, Object> golden, boolean stream) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", TinyChatModel.NAME);
        if (golden.get("kind").equals("chat")) {
            body.put("messages", golden.get("messages"));
            body.put("max_completion_tokens", golden.get("max_tokens"));
        } else {
            body.put("prompt", golden.get("prompt"));
            body.put("max_tokens", golden.get("max_tokens"));
        }
        body.put("temperature", 0);
        body.put("some_field_we_do_not_know", List.of(1, 2)); // ignored, as OpenAI does
        if (stream) {
            body.put("stream", true);
            body.put("stream_options", Map.of("include_usage", true));
        }
        return body;
    }

    private static String path(Map<String, Object> golden) {
        return golden.get("kind").equals("chat") ? "/v1/chat/completions" : "/v1/completions";
    }

    /**
     * Every golden case sent at once (so they share decode steps, joining as their prefills finish): each answer is
     * transformers' greedy generate() on the same model, token for token (the same count, the same decoded text, the
     * same finish reason). Greedy has no tolerance: the golden's top-two margin is at least 1e-3 at every step.
     */
    @Test
    @SuppressWarnings("unchecked")
    void concurrentGreedyRequestsEqualTransformersGenerate() {
        List<Map<String, Object>> cases = TinyChatModel.goldenCases();
        List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
        for (Map<String, Object> c : cases) replies.add(CompletableFuture.supplyAsync(() -> post(path(c), request(c, false)), CLIENTS));
        for (int i = 0; i < cases.size(); i++) {
            Map<String, Object> c = cases.get(i);
            HttpResponse<String> r = replies.get(i).join();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1); // the h2c offer declined
            Map<String, Object> body = Json.parseObject(r.body());
            Map<String, Object> choice = ((List<Map<String, Object>>) body.get("choices")).getFirst();
            String text = c.get("kind").equals("chat")
                    ? (String) ((Map<String, Object>) choice.get("message")).get("content") : (String) choice.get("text");
            assertThat(text).as("case %d", i).isEqualTo(c.get("text"));
            assertThat(choice.get("finish_reason")).isEqualTo(c.get("finish_reason"));
            Map<String, Object> usage = (Map<String, Object>) body.get("usage");
            assertThat(usage.get("prompt_tokens")).isEqualTo((long) ((List<?>) c.get("prompt_ids")).size());
            assertThat(usage.get("completion_tokens")).isEqualTo((long) ((List<?>) c.get("completion_ids")).size());
            assertThat(body.get("model")).isEqualTo(TinyChatModel.NAME);
            assertThat(body.get("object")).isEqualTo(c.get("kind").equals("chat") ? "chat.completion" : "text_completion");
        }
    }

    /**
     * Streaming as OpenAI streams: only {@code data:} lines, id, created and model the same on every chunk, the first
     * chat delta with the role, one finish_reason on the last choice chunk, a usage chunk with empty choices, then
     * {@code [DONE]}; the streamed text is the golden text.
     */
    @Test
    @SuppressWarnings("unchecked")
    void streamsServerSentEventsAsOpenAi() {
        for (Map<String, Object> c : TinyChatModel.goldenCases()) {
            boolean chat = c.get("kind").equals("chat");
            HttpResponse<String> r = post(path(c), request(c, true));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            List<String> events = new ArrayList<>();
            for (String block : r.body().split("\n\n")) {
                assertThat(block).startsWith("data: ");
                events.add(block.substring(6));
            }
            assertThat(events.getLast()).isEqualTo("[DONE]");
            List<Map<String, Object>> chunks = events.subList(0, events.size() - 1).stream().map(Json::parseObject).toList();
            StringBuilder text = new StringBuilder();
            String id = (String) chunks.getFirst().get("id"), finish = null;
            for (int i = 0; i < chunks.size(); i++) {
                Map<String, Object> ch = chunks.get(i);
                assertThat(ch.get("id")).isEqualTo(id);
                assertThat(ch.get("created")).isEqualTo(chunks.getFirst().get("created"));
                assertThat(ch.get("model")).isEqualTo(TinyChatModel.NAME);
                assertThat(ch.get("object")).isEqualTo(chat ? "chat.completion.chunk" : "text_completion");
                List<Map<String, Object>> choices = (List<Map<String, Object>>) ch.get("choices");
                if (i == chunks.size() - 1) { // the usage chunk
                    assertThat(choices).isEmpty();
                    Map<String, Object> usage = (Map<String, Object>) ch.get("usage");
                    assertThat(usage.get("completion_tokens")).isEqualTo((long) ((List<?>) c.get("completion_ids")).size());
                    assertThat(usage.get("total_tokens")).isEqualTo((long) usage.get("prompt_tokens")
                            + (long) usage.get("completion_tokens"));
                    continue;
                }
                assertThat(ch).containsEntry("usage", null);
                assertThat(choices).hasSize(1);
                Map<String, Object> choice = choices.getFirst();
                assertThat(finish).as("nothing after the finish").isNull();
                finish = (String) choice.get("finish_reason");
                if (chat) {
                    Map<String, Object> delta = (Map<String, Object>) choice.get("delta");
                    if (i == 0) assertThat(delta.get("role")).isEqualTo("assistant");
                    if (delta.get("content") != null) text.append(delta.get("content"));
                } else {
                    text.append(choice.get("text"));
                }
            }
            assertThat(finish).isEqualTo(c.get("finish_reason"));
            assertThat(text.toString()).isEqualTo(c.get("text"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void listsTheModelAndAnswersHealthAndMetrics() throws Exception {
        HttpResponse<String> models = get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
        List<Map<String, Object>> data = (List<Map<String, Object>>) Json.parseObject(models.body()).get("data");
        assertThat(data).singleElement().satisfies(m -> {
            assertThat(m.get("id")).isEqualTo(TinyChatModel.NAME);
            assertThat(m.get("object")).isEqualTo("model");
            assertThat(m.get("max_model_len")).isEqualTo(128L);
        });
        assertThat(raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        post("/v1/completions", Map.of("model", TinyChatModel.NAME, "prompt", "Hello", "max_tokens", 5));
        String metrics = get("/metrics").body();
        String labels = "{model_name=\"" + TinyChatModel.NAME + "\"}";
        assertThat(metrics).contains("# TYPE cortado:num_requests_running gauge", "# TYPE cortado:prompt_tokens_total counter",
                "# TYPE cortado:time_to_first_token_seconds histogram", "# TYPE cortado:e2e_request_latency_seconds histogram",
                "cortado:num_requests_waiting" + labels + " 0.0", "cortado:kv_cache_usage_perc" + labels + " 0.0");
        assertThat(value(metrics, "cortado:generation_tokens_total" + labels)).isGreaterThanOrEqualTo(5);
        assertThat(value(metrics, "cortado:prompt_tokens_total" + labels)).isGreaterThan(0);
        assertThat(value(metrics, "cortado:e2e_request_latency_seconds_count" + labels)).isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("cortado:time_to_first_token_seconds_bucket{model_name=\"tiny-chat\",le=\"+Inf\"}");
    }

    private static double value(String metrics, String series) {
        for (String line : metrics.split("\n"))
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        throw new AssertionError(series + " not in\n" + metrics);
    }

    /** Raw HTTP/1.1 over a socket (as curl sends it); the whole response as text. */
    private static String raw(String request) throws IOException { return rawTo(server.port(), request); }

    private static String rawTo(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String rawPost(String path, String body, String extraHeaders) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n" + extraHeaders + "\r\n" + body);
    }

    private static String auth() { return "Authorization: Bearer " + KEY + "\r\n"; }

    private static void assertError(HttpResponse<String> r, int status, String inMessage) {
        assertError("HTTP/1.1 " + r.statusCode() + "\r\n\r\n" + r.body(), status, inMessage);
    }

    @SuppressWarnings("unchecked")
    private static void assertError(String response, int status, String inMessage) {
        assertThat(response).startsWith("HTTP/1.1 " + status);
        Map<String, Object> error = (Map<String, Object>) Json.parseObject(
                response.substring(response.indexOf("\r\n\r\n") + 4)).get("error");
        assertThat((String) error.get("message")).contains(inMessage);
        assertThat(error).containsKeys("type", "param", "code");
    }

    /** Every fault gets its status and OpenAI's error object, and the server goes on answering. */
    @Test
    void faultsGetOpenAiErrorsAndTheServerStaysUp() throws IOException {
        String ok = "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 3}";
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": ", auth()), 400, "not a JSON object");
        assertError(rawPost("/v1/completions", "[1, 2]", auth()), 400, "not a JSON object");
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"temperature\": \"hot\"}",
                auth()), 400, "'temperature' must be a number");
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 2.5}",
                auth()), 400, "'max_tokens' must be an integer");
        assertError(rawPost("/v1/chat/completions", "{\"model\": \"tiny-chat\", \"messages\": \"hello\"}", auth()), 400,
                "'messages' must be");
        assertError(rawPost("/v1/completions", "{\"prompt\": \"Hi\"}", auth()), 400, "'model' is required");
        assertError(rawPost("/v1/completions", ok.replace("tiny-chat", "gpt-4"), auth()), 404, "`gpt-4` does not exist");
        assertError(rawPost("/v1/completions", ok, ""), 401, "Incorrect API key");
        assertError(rawPost("/v1/completions", ok, "Authorization: Bearer sk-wrong\r\n"), 401, "Incorrect API key");
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": \"" + "x".repeat(5000) + "\"}",
                auth()), 413, "larger than 4096 bytes");
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": \"" + "word ".repeat(200) + "\"}",
                auth()), 400, "maximum context length is 128 tokens");
        assertError(rawPost("/v1/completions", "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 500}",
                auth()), 400, "maximum context length is 128 tokens");
        assertError(rawPost("/v1/nothing", ok, auth()), 404, "no route");
        // A chunked body (what a client streaming its upload sends) is read like any other.
        String chunked = raw("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth()
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(ok.length()) + "\r\n" + ok + "\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 200").contains("\"finish_reason\":\"length\"");
        assertThat(rawPost("/v1/completions", ok, auth())).startsWith("HTTP/1.1 200");
        assertThat(raw("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    /** Beyond the running batch and the waiting queue a request is refused with 429; the others all complete. */
    @Test
    void aFullWaitingQueueAnswers429() throws IOException {
        try (OpenAiServer small = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 1, 1, 4096, 5, 0))) {
            String body = "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 120, \"temperature\": 0}";
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++)
                replies.add(CompletableFuture.supplyAsync(() -> {
                    try (Socket s = new Socket("127.0.0.1", small.port())) {
                        byte[] b = body.getBytes(StandardCharsets.UTF_8);
                        s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                + "Content-Length: " + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }, CLIENTS));
            int refused = 0;
            for (CompletableFuture<String> f : replies) {
                String r = f.join();
                if (r.startsWith("HTTP/1.1 429")) {
                    refused++;
                    assertThat(r).contains("waiting queue is full");
                } else {
                    assertThat(r).startsWith("HTTP/1.1 200").contains("\"completion_tokens\":");
                }
            }
            assertThat(refused).isBetween(1, 7);
        }
    }

    /**
     * Closing the server (what SIGTERM does in {@code cortado serve}) drains: requests in flight, running or waiting,
     * still get their whole answers; new connections are refused. Eight requests of 120 tokens through a batch of
     * one row keep the server busy long enough to be seen running (with its row in the KV-cache gauge) and closed.
     */
    @Test
    void closeLetsRequestsInFlightFinish() throws Exception {
        OpenAiServer draining = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 1, 8, 4096, 60, 0));
        int port = draining.port();
        String body = "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 120, \"temperature\": 0, "
                + "\"logit_bias\": {\"2\": -100}}";
        List<CompletableFuture<String>> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++)
            replies.add(CompletableFuture.supplyAsync(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    byte[] b = body.getBytes(StandardCharsets.UTF_8);
                    s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                            + "Content-Length: " + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, CLIENTS));
        String labels = "{model_name=\"" + TinyChatModel.NAME + "\"}";
        double kvUsage = 0;
        for (int i = 0; i < 5000 && kvUsage == 0; i++) {
            String m = rawTo(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            // close only once all eight are in (running, waiting or finished) and one still runs: a client still
            // connecting when the server closes is refused, as a new connection should be
            String lbl = labels.substring(0, labels.length() - 1);
            double running = value(m, "cortado:num_requests_running" + labels);
            double in = running + value(m, "cortado:num_requests_waiting" + labels)
                    + value(m, "cortado:request_success_total" + lbl + ",finished_reason=\"length\"}")
                    + value(m, "cortado:request_success_total" + lbl + ",finished_reason=\"stop\"}");
            if (running == 1 && in == 8) kvUsage = value(m, "cortado:kv_cache_usage_perc" + labels);
        }
        boolean allDoneBeforeClose = replies.stream().allMatch(CompletableFuture::isDone);
        draining.close();
        for (CompletableFuture<String> r : replies)
            assertThat(r.join()).startsWith("HTTP/1.1 200").contains("\"completion_tokens\":120");
        assertThat(allDoneBeforeClose).as("closed while requests were in flight").isFalse();
        assertThat(kvUsage).isGreaterThan(0).isLessThanOrEqualTo(1); // the one row, partly filled
        assertThatThrownBy(() -> rawTo(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")).isInstanceOf(IOException.class);
    }

    /**
     * {@code n} choices: each has its index; sampled with a seed they differ from one another and come back the same
     * on a second request; greedy they are all the golden answer; usage counts the prompt once and every choice's
     * tokens; streamed, every index ends with its own finish_reason before the usage chunk.
     */
    @Test
    @SuppressWarnings("unchecked")
    void nChoicesAreIndexedSeededAndCountedOnce() {
        Map<String, Object> golden = TinyChatModel.goldenCases().getFirst();
        Map<String, Object> sampled = new LinkedHashMap<>(request(golden, false));
        sampled.putAll(Map.of("n", 3, "temperature", 1.0, "seed", 7));
        List<Map<String, Object>> first = (List<Map<String, Object>>) Json.parseObject(post(path(golden), sampled).body()).get("choices");
        Map<String, Object> again = Json.parseObject(post(path(golden), sampled).body());
        assertThat(first).extracting(c -> c.get("index")).containsExactly(0L, 1L, 2L);
        assertThat(first).extracting(c -> c.get("text")).doesNotHaveDuplicates();
        assertThat((List<Map<String, Object>>) again.get("choices")).extracting(c -> c.get("text"))
                .containsExactlyElementsOf(first.stream().map(c -> c.get("text")).toList());
        Map<String, Object> usage = (Map<String, Object>) again.get("usage");
        assertThat(usage.get("prompt_tokens")).isEqualTo((long) ((List<?>) golden.get("prompt_ids")).size());
        assertThat(usage.get("completion_tokens")).isEqualTo(3L * (long) golden.get("max_tokens"));

        Map<String, Object> greedy = new LinkedHashMap<>(request(golden, true));
        greedy.put("n", 2);
        String[] text = {"", ""};
        List<Object> finished = new ArrayList<>();
        for (String block : post(path(golden), greedy).body().split("\n\n")) {
            if (block.equals("data: [DONE]")) break;
            Map<String, Object> chunk = Json.parseObject(block.substring(6));
            for (Map<String, Object> c : (List<Map<String, Object>>) chunk.get("choices")) {
                int i = (int) (long) (Long) c.get("index");
                assertThat(finished).as("nothing after choice %d finished", i).doesNotContain((long) i);
                text[i] += c.get("text");
                if (c.get("finish_reason") != null) finished.add(c.get("index"));
            }
            if (chunk.get("usage") != null) assertThat(finished).containsExactlyInAnyOrder(0L, 1L);
        }
        assertThat(text).containsExactly((String) golden.get("text"), (String) golden.get("text"));
        assertError(post(path(golden), Map.of("model", TinyChatModel.NAME, "prompt", "Hi", "n", 5)), 400, "'n' must lie in [1, 4]");
    }

    /**
     * Streaming clients that hang up after their first chunk free their rows: the sequences stop well short of their
     * 120 tokens (the tokens generated in all stay under the budget; at least one stream noticed at once), nothing is
     * left running, and the server answers the next request.
     */
    @Test
    void aClientThatHangsUpMidStreamFreesItsRow() throws Exception {
        try (OpenAiServer small = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 4, 4, 4096, 5, 0))) {
            int port = small.port(), clients = 4, budget = 120;
            String labels = "{model_name=\"" + TinyChatModel.NAME + "\"}";
            String body = "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": " + budget
                    + ", \"temperature\": 0, \"stream\": true, \"logit_bias\": {\"2\": -100}}";
            List<CompletableFuture<Void>> hangUps = new ArrayList<>();
            for (int i = 0; i < clients; i++)
                hangUps.add(CompletableFuture.runAsync(() -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        byte[] b = body.getBytes(StandardCharsets.UTF_8);
                        s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\n"
                                + "Content-Length: " + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                        InputStream in = s.getInputStream();
                        String seen = "";
                        while (!seen.contains("data: ")) seen += (char) in.read(); // the first chunk has begun
                        s.setSoLinger(true, 0); // hang up hard (RST), as a killed client does
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }, CLIENTS));
            hangUps.forEach(CompletableFuture::join);
            String m = "";
            for (int i = 0; i < 5000; i++) {
                m = rawTo(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                if (value(m, "cortado:num_requests_running" + labels) == 0) break;
                Thread.sleep(1);
            }
            assertThat(value(m, "cortado:num_requests_running" + labels)).isZero();
            assertThat(value(m, "cortado:kv_cache_usage_perc" + labels)).isZero();
            assertThat(value(m, "cortado:generation_tokens_total" + labels)).isLessThan(clients * budget);
            assertThat(rawTo(port, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Length: 48\r\n\r\n{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"n\": 1}  "))
                    .startsWith("HTTP/1.1 200");
        }
    }

    /** {@code maxModelLen} caps the context below the model's: the model card says so and longer requests get 400. */
    @Test
    @SuppressWarnings("unchecked")
    void maxModelLenCapsTheContext() throws IOException {
        try (OpenAiServer capped = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 2, 4, 4096, 5, 40))) {
            String models = rawTo(capped.port(), "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(models).contains("\"max_model_len\":40");
            String body = "{\"model\": \"tiny-chat\", \"prompt\": \"Hi\", \"max_tokens\": 50}";
            assertError(rawTo(capped.port(), "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body), 400, "maximum context length is 40 tokens");
            String fits = body.replace("50", "30");
            assertThat(rawTo(capped.port(), "POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Length: " + fits.length() + "\r\n\r\n" + fits)).startsWith("HTTP/1.1 200");
        }
    }

    /**
     * Log-probabilities in both formats: the legacy completions lists ({@code logprobs: 2}) and, streamed, the chat
     * format ({@code logprobs: true, top_logprobs: 2}), one entry per generated token with transformers' values
     * (tolerance 1e-4: float32 logits; {@link SchedulerTest} checks the ids).
     */
    @Test
    @SuppressWarnings("unchecked")
    void logprobsInBothFormats() {
        List<Map<String, Object>> cases = TinyChatModel.goldenCases();
        Map<String, Object> completion = cases.getFirst();
        Map<String, Object> req = new LinkedHashMap<>(request(completion, false));
        req.put("logprobs", 2);
        Map<String, Object> lp = (Map<String, Object>) ((List<Map<String, Object>>) Json.parseObject(
                post(path(completion), req).body()).get("choices")).getFirst().get("logprobs");
        List<Double> values = (List<Double>) lp.get("token_logprobs");
        List<Double> expected = (List<Double>) completion.get("logprobs");
        assertThat(values).hasSize(expected.size());
        for (int t = 0; t < values.size(); t++) assertThat(values.get(t)).isCloseTo(expected.get(t), within(1e-4));
        assertThat((List<Object>) lp.get("tokens")).hasSize(expected.size());
        assertThat((List<Map<String, Object>>) lp.get("top_logprobs")).allSatisfy(m -> assertThat(m).isNotEmpty());
        assertThat((List<Long>) lp.get("text_offset")).first().isEqualTo(0L);

        Map<String, Object> chat = cases.stream().filter(c -> c.get("kind").equals("chat")).findFirst().orElseThrow();
        Map<String, Object> streamed = new LinkedHashMap<>(request(chat, true));
        streamed.put("logprobs", true);
        streamed.put("top_logprobs", 2);
        List<Map<String, Object>> content = new ArrayList<>();
        for (String block : post(path(chat), streamed).body().split("\n\n")) {
            if (block.equals("data: [DONE]")) break;
            for (Map<String, Object> c : (List<Map<String, Object>>) Json.parseObject(block.substring(6)).get("choices"))
                if (c.get("logprobs") != null)
                    content.addAll((List<Map<String, Object>>) ((Map<String, Object>) c.get("logprobs")).get("content"));
        }
        List<Double> chatExpected = (List<Double>) chat.get("logprobs");
        List<List<List<Object>>> top2 = (List<List<List<Object>>>) chat.get("top2");
        assertThat(content).hasSize(chatExpected.size());
        for (int t = 0; t < content.size(); t++) {
            assertThat((Double) content.get(t).get("logprob")).isCloseTo(chatExpected.get(t), within(1e-4));
            List<Map<String, Object>> top = (List<Map<String, Object>>) content.get(t).get("top_logprobs");
            assertThat(top).hasSize(2);
            assertThat((Double) top.get(0).get("logprob")).isCloseTo((Double) top2.get(t).get(0).get(1), within(1e-4));
            assertThat(content.get(t)).containsKeys("token", "bytes");
        }
        assertError(post("/v1/chat/completions", Map.of("model", TinyChatModel.NAME, "messages", chat.get("messages"),
                "top_logprobs", 2)), 400, "needs 'logprobs': true");
    }
}
