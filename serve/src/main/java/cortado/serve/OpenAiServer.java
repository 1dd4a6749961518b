package cortado.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.serve.feedback.ConversationLog;
import cortado.serve.json.TokenGrammars;
import cortado.nn.embed.SentenceTransformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible HTTP server on the JDK's {@code jdk.httpserver}, one virtual thread per exchange (no library:
 * Cortado takes no runtime dependency). Routes: {@code GET /} (the {@link ChatPage}, open), {@code GET /health}
 * (open), {@code GET /metrics} (Prometheus, open),
 * {@code GET /v1/models}, {@code POST /v1/completions}, {@code POST /v1/chat/completions}, and
 * {@code POST /v1/embeddings} when started with an embedding model ({@link EmbeddingsEndpoint}); with an API key every
 * {@code /v1/} route needs {@code Authorization: Bearer KEY}. Every failure is answered with OpenAI's JSON error
 * object and the server goes on: 400 (malformed JSON, wrong types, prompt over the context window), 401, 404 (route or
 * model), 405, 413 (body over the limit), 429 (waiting queue full), 500. Generation runs in one {@link Scheduler}.
 * HTTP/1.1 only: a client's {@code Upgrade: h2c} offer (the JDK's HttpClient makes it) is declined by answering in
 * HTTP/1.1, which such clients accept.
 */
public final class OpenAiServer implements AutoCloseable {
    /**
     * @param host        address to bind (e.g. 127.0.0.1, 0.0.0.0)
     * @param port        0 picks a free port
     * @param apiKey      null: no authentication
     * @param maxBatch    most sequences in one decode step
     * @param maxWaiting  most requests waiting to join the batch (beyond: 429)
     * @param maxBodyBytes largest request body (beyond: 413)
     * @param shutdownSeconds how long {@link #close} lets requests in flight finish
     * @param maxModelLen  the most positions of a prompt and its completion; 0: the model's context window
     * @param kvBlocks     KV-cache blocks per layer; 0: enough for every batch row to hold a whole window
     * @param blockSize    positions per KV-cache block (the prefix cache shares whole blocks)
     * @param logDir       where answered requests and their ratings are logged ({@link ConversationLog}, and
     *                     {@code POST /v1/feedback} is served); null: nothing is logged
     */
    public record Options(String host, int port, String apiKey, int maxBatch, int maxWaiting, int maxBodyBytes,
                          int shutdownSeconds, int maxModelLen, int kvBlocks, int blockSize, Path logDir) {
        /** Options with no conversation log. */
        public Options(String host, int port, String apiKey, int maxBatch, int maxWaiting, int maxBodyBytes,
                       int shutdownSeconds, int maxModelLen, int kvBlocks, int blockSize) {
            this(host, port, apiKey, maxBatch, maxWaiting, maxBodyBytes, shutdownSeconds, maxModelLen, kvBlocks,
                    blockSize, null);
        }

        /** These options with conversations logged in {@code dir}. */
        public Options withLogDir(Path dir) {
            return new Options(host, port, apiKey, maxBatch, maxWaiting, maxBodyBytes, shutdownSeconds, maxModelLen,
                    kvBlocks, blockSize, dir);
        }

        public Options {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " outside [0, 65535]");
            if (maxBatch <= 0 || maxWaiting <= 0 || maxBodyBytes <= 0 || blockSize <= 0)
                throw new IllegalArgumentException("max batch, waiting queue, body size and block size must be positive");
            if (shutdownSeconds < 0 || maxModelLen < 0 || kvBlocks < 0)
                throw new IllegalArgumentException("shutdown timeout, max model length and KV blocks must be >= 0");
            if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        }

        /** With the default KV cache: blocks of 16 positions, a window's worth per batch row. */
        public Options(String host, int port, String apiKey, int maxBatch, int maxWaiting, int maxBodyBytes,
                       int shutdownSeconds, int maxModelLen) {
            this(host, port, apiKey, maxBatch, maxWaiting, maxBodyBytes, shutdownSeconds, maxModelLen, 0,
                    Scheduler.DEFAULT_BLOCK_SIZE);
        }
    }

    private final ServedModel served;
    private final Options options;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Scheduler scheduler;
    private final ServeMetrics metrics;
    private final CompletionsEndpoint completions;
    private final ChatCompletionsEndpoint chat;
    private final EmbeddingsEndpoint embeddings;   // null: no embedding model
    private final ConversationLog log;             // null: no --log-dir
    private final FeedbackEndpoint feedback;       // null: no --log-dir
    private final long created = System.currentTimeMillis() / 1000;

    static {
        // Streamed chunks are small writes; with Nagle's algorithm each waits for the client's delayed ACK (~40 ms a
        // token). jdk.httpserver reads this once, when its first server is made.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private OpenAiServer(ServedModel served, EmbeddingsEndpoint embeddings, Options options) throws IOException {
        this.served = served;
        this.embeddings = embeddings;
        this.options = options;
        this.metrics = new ServeMetrics(served.name());
        int window = options.maxModelLen() == 0 ? served.contextWindow() : options.maxModelLen();
        if (window > served.contextWindow())
            throw new IllegalArgumentException("max model length " + window + " exceeds the model's context window of "
                    + served.contextWindow() + " positions");
        this.scheduler = new Scheduler(served.model(), served.lora(), options.maxBatch(), options.maxWaiting(),
                window, options.kvBlocks(), options.blockSize(), metrics);
        metrics.gauges(scheduler::running, scheduler::waiting, scheduler::kvCacheUsage);
        metrics.kvBlocks(scheduler::blocksInUse, scheduler::cachedBlocks);
        TokenGrammars grammars = new TokenGrammars(served.tokenizer(), served.eosTokenIds());
        this.log = options.logDir() == null ? null : ConversationLog.open(options.logDir());
        this.feedback = log == null ? null : new FeedbackEndpoint(log, metrics);
        this.completions = new CompletionsEndpoint(served, scheduler, grammars, log);
        this.chat = new ChatCompletionsEndpoint(served, scheduler, grammars, log);
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        http.createContext("/", this::exchange);
        http.setExecutor(executor);
        http.start();
    }

    /** Binds and starts serving {@code served}. */
    public static OpenAiServer start(ServedModel served, Options options) throws IOException {
        return new OpenAiServer(served, null, options);
    }

    /**
     * Binds and starts serving {@code served}, and {@code POST /v1/embeddings} with the sentence-transformers
     * {@code embedder} under the name {@code embedderName} (listed by /v1/models beside the generative model).
     */
    public static OpenAiServer start(ServedModel served, String embedderName, SentenceTransformer embedder,
                                     Options options) throws IOException {
        if (embedderName.equals(served.name()))
            throw new IllegalArgumentException("the embedding model needs a name other than '" + served.name() + "'");
        return new OpenAiServer(served, new EmbeddingsEndpoint(embedderName, embedder), options);
    }

    /** The bound port (the free one picked when asked for 0). */
    public int port() { return http.getAddress().getPort(); }

    private void exchange(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                drain(ex);
                sendJson(ex, e.status(), e.body());
            } catch (IOException e) {
                // The client went away; nothing to answer.
            } catch (RuntimeException e) {
                sendJson(ex, 500, new ApiException(500, "internal error: " + e, null).body());
            }
        } catch (IOException | RuntimeException ignored) {
            // Writing the error failed: the connection is gone.
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath(), method = ex.getRequestMethod();
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        switch (path) {
            case "/health" -> {
                allow(method, "GET");
                send(ex, 200, "text/plain; charset=utf-8", "");
                return;
            }
            case "/metrics" -> {
                allow(method, "GET");
                send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
                return;
            }
            default -> { }
        }
        ChatPage.File page = ChatPage.file(ex.getRequestURI().getPath());
        if (page != null) {
            allow(method, "GET");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            send(ex, 200, page.contentType(), page.text());
            return;
        }
        if (!path.startsWith("/v1/")) throw new ApiException(404, "no route " + method + " " + path, null);
        authenticate(ex);
        switch (path) {
            case "/v1/models" -> {
                allow(method, "GET");
                List<Object> cards = new ArrayList<>(List.of(modelCard()));
                // vLLM's cards for LoRA adapters: the adapter under its name, the base model as its parent
                for (String adapter : served.adapters())
                    cards.add(GenerationEndpoint.object("id", adapter, "object", "model", "created", created, "owned_by",
                            "cortado", "root", adapter, "parent", served.name(), "max_model_len", scheduler.window()));
                if (embeddings != null) cards.add(GenerationEndpoint.object("id", embeddings.name(), "object", "model",
                        "created", created, "owned_by", "cortado", "root", embeddings.name(), "parent", null));
                sendJson(ex, 200, GenerationEndpoint.object("object", "list", "data", cards));
            }
            case "/v1/completions" -> {
                allow(method, "POST");
                completions.handle(ex, body(ex));
            }
            case "/v1/chat/completions" -> {
                allow(method, "POST");
                chat.handle(ex, body(ex));
            }
            case "/v1/embeddings" -> {
                allow(method, "POST");
                if (embeddings == null)
                    throw new ApiException(404, "this server has no embedding model (start it with --embed-model DIR)",
                            "model", "model_not_found");
                embeddings.handle(ex, body(ex));
            }
            case "/v1/load_lora_adapter", "/v1/unload_lora_adapter" -> {
                allow(method, "POST");
                send(ex, 200, "text/plain; charset=utf-8", loraChange(path.equals("/v1/load_lora_adapter"), body(ex)));
            }
            case "/v1/feedback" -> {
                allow(method, "POST");
                if (feedback == null)
                    throw new ApiException(404, "this server keeps no conversation log (start it with --log-dir DIR)", null);
                sendJson(ex, 200, feedback.rate(body(ex)));
            }
            default -> throw new ApiException(404, "no route " + method + " " + path, null);
        }
    }

    /**
     * vLLM's runtime adapter routes: {@code {"lora_name", "lora_path"}} loads a PEFT LoRA directory under that name,
     * {@code {"lora_name"}} unloads one no request is using; both run between two decode steps.
     */
    private String loraChange(boolean load, Map<String, Object> body) throws IOException {
        RequestFields f = new RequestFields(body);
        String name = f.requiredString("lora_name");
        Path dir = load ? Path.of(f.requiredString("lora_path")) : null;
        try {
            return scheduler.betweenSteps(inUse -> {
                if (load) {
                    served.lora().load(name, dir, served.name());
                    return "Success: LoRA adapter '" + name + "' added successfully.";
                }
                if (inUse.contains(name))
                    throw new ApiException(400, "the adapter '" + name + "' is in use by requests running or waiting;"
                            + " unload it when they end", "lora_name");
                served.lora().unload(name);
                return "Success: LoRA adapter '" + name + "' removed successfully.";
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException a) throw a;
            throw new ApiException(500, "adapter change failed: " + e.getCause(), null);
        }
    }

    private Map<String, Object> modelCard() {
        return GenerationEndpoint.object("id", served.name(), "object", "model", "created", created, "owned_by",
                "cortado", "root", served.name(), "parent", null, "max_model_len", scheduler.window());
    }

    private static void allow(String method, String expected) {
        if (!method.equals(expected)) throw new ApiException(405, "use " + expected + ", not " + method, null);
    }

    private void authenticate(HttpExchange ex) {
        if (options.apiKey() == null) return;
        String given = ex.getRequestHeaders().getFirst("Authorization");
        String expected = "Bearer " + options.apiKey();
        // Constant time, so the key cannot be guessed a character at a time from response times.
        if (given == null || !MessageDigest.isEqual(given.strip().getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8)))
            throw new ApiException(401, "Incorrect API key provided.", null, "invalid_api_key");
    }

    /** The request body as a JSON object: 413 over the limit, 400 when it is not a JSON object. */
    private Map<String, Object> body(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new ApiException(400, "bad Content-Length '" + length + "'", null);
            }
            if (n > options.maxBodyBytes()) throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(options.maxBodyBytes() + 1); // a chunked body has no length to check first
        }
        if (bytes.length > options.maxBodyBytes()) throw tooLarge();
        try {
            return Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new ApiException(400, "the request body is not a JSON object: " + e.getMessage(), null, "invalid_json");
        }
    }

    private ApiException tooLarge() {
        return new ApiException(413, "the request body is larger than " + options.maxBodyBytes() + " bytes", null);
    }

    /** Reads what is left of a refused request's body (bounded), so the connection can be reused. */
    private void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            in.skipNBytes(Math.min(in.available(), options.maxBodyBytes()));
        } catch (IOException | RuntimeException ignored) {
            // Nothing left to read, or the client is gone.
        }
    }

    static void sendJson(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        send(ex, status, "application/json", Json.write(body));
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) try (OutputStream out = ex.getResponseBody()) { out.write(bytes); }
    }

    /**
     * Drains: stops accepting connections, lets the exchanges in flight finish (their sequences keep decoding) for up
     * to {@code shutdownSeconds}, then stops the scheduler (what is left fails) and the handlers.
     */
    @Override
    public void close() {
        http.stop(options.shutdownSeconds());
        scheduler.close();
        executor.shutdownNow();
        if (log != null) {
            try {
                log.close();
            } catch (IOException ignored) {
                // every line was flushed when it was written
            }
        }
    }
}
