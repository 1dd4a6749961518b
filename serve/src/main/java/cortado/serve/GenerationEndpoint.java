package cortado.serve;

import com.sun.net.httpserver.HttpExchange;
import cortado.data.json.Json;
import cortado.nn.generate.FinishReason;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.SamplingParams;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import cortado.serve.feedback.ConversationLog;
import cortado.serve.json.JsonGrammar;
import cortado.serve.json.SchemaNode;
import cortado.serve.json.TokenGrammars;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * What {@code /v1/completions} and {@code /v1/chat/completions} share: the model check, the prompt limits (a prompt
 * must leave room in the context window for {@code max_tokens}, which defaults to all that is left, as vLLM does),
 * OpenAI's sampling fields mapped onto {@link SamplingParams} (plus vLLM's {@code top_k}, {@code min_p},
 * {@code repetition_penalty}), the job handed to the {@link Scheduler}, and the answer: one JSON body, or server-sent
 * events as OpenAI streams them ({@code data: {chunk}} lines with id, created and model on every chunk, a final usage
 * chunk with empty choices when {@code stream_options.include_usage}, then {@code data: [DONE]}).
 */
abstract class GenerationEndpoint {
    private final ServedModel served;
    private final Scheduler scheduler;
    private final TokenGrammars grammars;
    private final ConversationLog log; // null: nothing is logged

    GenerationEndpoint(ServedModel served, Scheduler scheduler, TokenGrammars grammars, ConversationLog log) {
        this.served = served;
        this.scheduler = scheduler;
        this.grammars = grammars;
        this.log = log;
    }

    /** "chat" or "completion", as the conversation log names the request's kind. */
    abstract String kind();

    /** What the conversation log keeps of the request: its messages or prompt, as sent. */
    abstract Object loggedInput(RequestFields f);

    /** The prompt as text, as the model saw it (chat: the template applied). */
    abstract String loggedPromptText(RequestFields f, ServedModel served);

    /** The prompt's token ids from the request. */
    abstract int[] prompt(RequestFields f, ServedModel served);

    /** The request field that bounds the completion's length ({@code max_completion_tokens} first for chat). */
    abstract long maxTokens(RequestFields f);

    abstract String idPrefix();

    abstract String object(boolean chunk);

    /** How many alternatives to report with each token's log-probability; -1 when none were asked for. */
    abstract int topLogprobs(RequestFields f);

    /**
     * The {@code logprobs} field of a choice for tokens {@code lps} (their text from {@code textOffset} on in the
     * choice's text), in the endpoint's format.
     */
    abstract Object logprobs(List<TokenLogprob> lps, int textOffset);

    /**
     * The JSON document the output must be (masked token by token), or null for free text: {@code response_format}
     * here; chat also forces tool calls with it.
     */
    SchemaNode schema(RequestFields f) { return ResponseFormat.schema(f); }

    /** How one choice's text is read into the answer (chat: the message and its tool calls); null: as it is. */
    abstract ChoiceReader reader(RequestFields f);

    /**
     * Choice {@code index} of the full answer, read by {@code reader}; {@code logprobs} as {@link #logprobs} made
     * it, or null.
     */
    abstract Map<String, Object> choice(int index, ChoiceReader reader, String text, FinishReason reason, Object logprobs);

    /**
     * The streamed pieces of choice {@code index} for new {@code text} (possibly none while the reader holds text
     * back): the first of the choice's when {@code first}, its last when {@code reason} is set (then the reader's
     * remaining pieces come first), {@code logprobs} of its tokens (on the first piece) or null.
     */
    abstract List<Map<String, Object>> chunkChoices(int index, ChoiceReader reader, String text, boolean first,
                                                    FinishReason reason, Object logprobs);

    /** A token's own text (a piece of a UTF-8 character decodes to U+FFFD). */
    final String tokenText(int id) { return served.tokenizer().decode(new int[] {id}); }

    final void handle(HttpExchange ex, Map<String, Object> body) throws IOException {
        RequestFields f = new RequestFields(body);
        String model = f.requiredString("model");
        String adapter = served.adapterFor(model);
        refuseUnsupported(f);
        int[] prompt = prompt(f, served);
        int window = scheduler.window();
        long maxTokens = maxTokens(f);
        if (prompt.length >= window || (maxTokens >= 0 && prompt.length + maxTokens > window))
            throw new ApiException(400, "This model's maximum context length is " + window + " tokens. However, you "
                    + "requested " + (prompt.length + Math.max(0, maxTokens)) + " tokens (" + prompt.length
                    + " in the prompt, " + Math.max(0, maxTokens) + " in the completion). Please reduce the length of "
                    + "the prompt or completion.", null, "context_length_exceeded");
        if (maxTokens < 0) maxTokens = window - prompt.length;
        List<String> stops = f.strings("stop");
        for (String s : stops) if (s.isEmpty()) throw new ApiException(400, "'stop' strings must not be empty", "stop");
        StoppingCriteria stop = new StoppingCriteria((int) maxTokens, served.eosTokenIds(), stops);
        long choices = f.integer("n", 1);
        if (choices < 1 || choices > scheduler.maxBatch())
            throw new ApiException(400, "'n' must lie in [1, " + scheduler.maxBatch() + "] (the server's batch)", "n");
        int n = (int) choices;
        SamplingParams params = sampling(f);
        int top = topLogprobs(f);
        SchemaNode schema = schema(f);
        JsonGrammar grammar = schema == null ? null : grammars.grammar(schema);
        ChoiceReader[] readers = new ChoiceReader[n];
        BlockingQueue<GenerationJob.Event> events = new LinkedBlockingQueue<>();
        List<GenerationJob> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) { // choice i draws from seed + i, so the n choices differ when sampling
            readers[i] = reader(f);
            GenerationJob job = new GenerationJob(i, prompt, new Sampler(params.withSeed(params.seed() + i)), stop,
                    new TextStream(served.tokenizer(), served.eosTokenIds(), stops, true), top,
                    grammar == null ? null : grammar.start(), events);
            job.adapter = adapter;
            job.adapterKey = served.lora().cacheKey(adapter);
            jobs.add(job);
        }
        boolean stream = f.bool("stream", false);
        boolean includeUsage = stream && new RequestFields(f.object("stream_options")).bool("include_usage", false);
        for (GenerationJob job : jobs)
            if (!scheduler.submit(job)) {
                jobs.forEach(GenerationJob::cancel);
                throw new ApiException(429, "The server is busy: the waiting queue is full; retry later", null);
            }
        String id = idPrefix() + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        // Logged before the answer's last byte goes out: a client that rates it right after reading it finds its id.
        Consumer<Answered> logged = answered -> {
            if (log == null) return;
            List<String> reasons = new ArrayList<>();
            for (GenerationJob.Finished d : answered.done()) reasons.add(d.reason().apiName());
            log.conversation(id, created, model, kind(), loggedInput(f), loggedPromptText(f, served),
                    List.of(answered.texts()), reasons);
        };
        try {
            if (stream) stream(ex, events, readers, top >= 0, model, id, created, includeUsage, logged);
            else answer(ex, events, readers, top >= 0, model, id, created, logged);
        } finally {
            jobs.forEach(GenerationJob::cancel); // a no-op for finished jobs; frees the rows of the others
        }
    }

    /** Fields this server does not implement yet: refused rather than silently ignored, since they change the answer. */
    private static void refuseUnsupported(RequestFields f) {
        if (f.integer("best_of", 1) != 1) throw new ApiException(400, "only best_of = 1 is supported", "best_of");
        if (f.bool("echo", false)) throw new ApiException(400, "echo is not supported", "echo");
    }

    /** OpenAI's sampling fields (temperature defaults to 1) and vLLM's extras; no seed draws a fresh one. */
    private SamplingParams sampling(RequestFields f) {
        float temperature = (float) f.number("temperature", 1.0, 0, 2);
        float topP = (float) f.number("top_p", 1.0, 0, 1);
        if (topP == 0) throw new ApiException(400, "'top_p' must lie in (0, 1]", "top_p");
        long topK = f.integer("top_k", 0);
        if (topK < -1) throw new ApiException(400, "'top_k' must be -1 or 0 (off) or positive", "top_k");
        float minP = (float) f.number("min_p", 0, 0, 1);
        float repetition = (float) f.number("repetition_penalty", 1.0);
        if (!(repetition > 0)) throw new ApiException(400, "'repetition_penalty' must be > 0", "repetition_penalty");
        float frequency = (float) f.number("frequency_penalty", 0, -2, 2);
        float presence = (float) f.number("presence_penalty", 0, -2, 2);
        long seed = f.has("seed") ? f.integer("seed", 0) : ThreadLocalRandom.current().nextLong();
        return new SamplingParams(temperature, (int) Math.max(0, topK), topP, minP, repetition, frequency, presence,
                logitBias(f), seed);
    }

    private Map<Integer, Float> logitBias(RequestFields f) {
        Map<Integer, Float> bias = new HashMap<>();
        for (var e : f.object("logit_bias").entrySet()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw new ApiException(400, "'logit_bias' key '" + e.getKey() + "' is not a token id", "logit_bias");
            }
            if (id < 0 || id >= served.model().config().vocabSize())
                throw new ApiException(400, "'logit_bias' token id " + id + " is outside the vocabulary", "logit_bias");
            if (!(e.getValue() instanceof Number n) || !(n.doubleValue() >= -100 && n.doubleValue() <= 100))
                throw new ApiException(400, "'logit_bias' values must be numbers in [-100, 100]", "logit_bias");
            bias.put(id, n.floatValue());
        }
        return bias;
    }

    /** Each choice's generated text (as the model wrote it, before a reader took tool calls out) and its end. */
    private record Answered(String[] texts, GenerationJob.Finished[] done) {}

    private void answer(HttpExchange ex, BlockingQueue<GenerationJob.Event> events, ChoiceReader[] readers,
                        boolean withLogprobs, String model, String id, long created, Consumer<Answered> logged)
            throws IOException {
        int n = readers.length;
        StringBuilder[] text = new StringBuilder[n];
        List<List<TokenLogprob>> lps = new ArrayList<>();
        GenerationJob.Finished[] done = new GenerationJob.Finished[n];
        for (int i = 0; i < n; i++) {
            text[i] = new StringBuilder();
            lps.add(new ArrayList<>());
        }
        for (int left = n; left > 0; ) {
            switch (take(events)) {
                case GenerationJob.Text t -> {
                    text[t.index()].append(t.delta());
                    lps.get(t.index()).addAll(t.logprobs());
                }
                case GenerationJob.Failed x -> throw new ApiException(500, "generation failed: " + x.message(), null);
                case GenerationJob.Finished d -> {
                    done[d.index()] = d;
                    left--;
                }
            }
        }
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int i = 0; i < n; i++)
            choices.add(choice(i, readers[i], text[i].toString(), done[i].reason(),
                    withLogprobs ? logprobs(lps.get(i), 0) : null));
        Map<String, Object> body = envelope(model, id, created, false);
        body.put("choices", choices);
        body.put("usage", usage(done));
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) texts[i] = text[i].toString();
        logged.accept(new Answered(texts, done));
        OpenAiServer.sendJson(ex, 200, body);
    }

    /** Streams the answer; {@code logged} sees it before the stream ends, unless generation failed mid-stream. */
    private void stream(HttpExchange ex, BlockingQueue<GenerationJob.Event> events, ChoiceReader[] readers,
                        boolean withLogprobs, String model, String id, long created, boolean includeUsage,
                        Consumer<Answered> logged) throws IOException {
        int n = readers.length;
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
            boolean[] started = new boolean[n];
            int[] printed = new int[n]; // characters of each choice sent so far (the completions' text_offset)
            List<List<TokenLogprob>> pending = new ArrayList<>(); // log-probabilities of text a reader holds back
            for (int i = 0; i < n; i++) pending.add(new ArrayList<>());
            GenerationJob.Finished[] done = new GenerationJob.Finished[n];
            StringBuilder[] text = new StringBuilder[n];
            for (int i = 0; i < n; i++) text[i] = new StringBuilder();
            for (int left = n; left > 0; ) {
                switch (take(events)) {
                    case GenerationJob.Text t -> {
                        int i = t.index();
                        text[i].append(t.delta());
                        pending.get(i).addAll(t.logprobs());
                        List<Map<String, Object>> pieces = chunkChoices(i, readers[i], t.delta(), !started[i], null,
                                withLogprobs ? logprobs(pending.get(i), printed[i]) : null);
                        for (Map<String, Object> piece : pieces) send(out, chunk(model, id, created, piece, includeUsage));
                        if (!pieces.isEmpty()) {
                            started[i] = true;
                            pending.get(i).clear();
                        }
                        printed[i] += t.delta().length();
                    }
                    case GenerationJob.Failed x -> {
                        // Headers are gone: OpenAI's error object as a data line, then the end of the stream.
                        send(out, new ApiException(500, "generation failed: " + x.message(), null).body());
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    case GenerationJob.Finished d -> {
                        for (Map<String, Object> piece : chunkChoices(d.index(), readers[d.index()], "",
                                !started[d.index()], d.reason(), null))
                            send(out, chunk(model, id, created, piece, includeUsage));
                        done[d.index()] = d;
                        left--;
                    }
                }
            }
            String[] texts = new String[n];
            for (int i = 0; i < n; i++) texts[i] = text[i].toString();
            logged.accept(new Answered(texts, done));
            if (includeUsage) {
                Map<String, Object> last = envelope(model, id, created, true);
                last.put("choices", List.of());
                last.put("usage", usage(done));
                send(out, last);
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        // An IOException (the client went away) propagates; handle() then cancels the jobs, freeing their rows.
    }

    private Map<String, Object> chunk(String model, String id, long created, Map<String, Object> choice, boolean usageField) {
        Map<String, Object> c = envelope(model, id, created, true);
        c.put("choices", List.of(choice));
        if (usageField) c.put("usage", null);
        return c;
    }

    private Map<String, Object> envelope(String model, String id, long created, boolean chunk) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", object(chunk));
        m.put("created", created);
        m.put("model", model);   // as the request named it: the base or an adapter
        return m;
    }

    /** The prompt counted once, the completion tokens of every choice summed, as OpenAI reports n > 1. */
    private static Map<String, Object> usage(GenerationJob.Finished[] done) {
        int prompt = done[0].promptTokens(), completion = 0;
        for (GenerationJob.Finished d : done) completion += d.completionTokens();
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    private static void send(OutputStream out, Map<String, Object> json) throws IOException {
        out.write(("data: " + Json.write(json) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static GenerationJob.Event take(BlockingQueue<GenerationJob.Event> events) {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down", null);
        }
    }

    /** An ordered JSON object from key, value pairs (values may be null). */
    static Map<String, Object> object(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }
}
