package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.EosTokens;
import cortado.nn.embed.SentenceTransformer;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftException;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cortado serve --model DIR}: the OpenAI-compatible HTTP server ({@link OpenAiServer}) over one checkpoint,
 * until interrupted: Ctrl-C or SIGTERM stop it, letting requests in flight finish for up to --shutdown-timeout.
 */
public final class ServeCommand implements Command {
    @Override public String name() { return "serve"; }

    @Override public String summary() { return "serve a model over an OpenAI-compatible HTTP API (continuous batching)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("serve", """
                Serves a checkpoint over HTTP with OpenAI's API and a chat page at GET /: GET /v1/models, POST /v1/completions and
                /v1/chat/completions (the checkpoint's chat template; streaming as server-sent events, with
                stream_options.include_usage), GET /health and GET /metrics (Prometheus, vLLM's metric names with a
                cortado: prefix). Requests are batched continuously: each joins the running batch as soon as a row is
                free and leaves it when done; beyond --max-batch they wait in a queue of --max-waiting (then 429).
                The KV cache is paged (--kv-blocks blocks of --block-size positions, taken as a sequence grows and
                released when it ends) with automatic prefix caching: a prompt that shares whole blocks with an
                earlier one reuses their keys and values and prefills only the rest. A request whose prompt needs
                more blocks than are free waits; when the blocks run out mid-generation the newest sequence is
                preempted (its blocks released) and recomputed when it rejoins.
                Sampling: temperature, top_p, top_k, min_p, frequency/presence/repetition penalties, logit_bias,
                seed, stop, n, max_tokens (default: the rest of the context window), logprobs. response_format
                json_object and json_schema (OpenAI's strict subset) by constrained decoding; tools and tool_choice
                (none, auto, required, a named function) through the chat template, calls read from Hermes/Qwen
                <tool_call> tags or Llama 3 JSON into tool_calls. With --embed-model,
                POST /v1/embeddings embeds text with a sentence-transformers model (input a string or a list of
                strings; encoding_format float or base64). With --log-dir, every answered request is appended to
                DIR/conversations.jsonl and POST /v1/feedback {"id", "rating": "good"|"bad", "preferred", "choice"}
                records a client's rating in DIR/feedback.jsonl (counted in /metrics); `cortado feedback` turns the
                log into SFT and DPO data and reports the ratings per model. With --adapter NAME=DIR (PEFT LoRA
                adapters, repeatable), GET /v1/models lists each adapter with the base as its parent, a request's
                model names the base or an adapter, and requests for different adapters decode in one batch step
                (the base product once, each adapter's term on its own rows, as PEFT's mixed batches); POST
                /v1/load_lora_adapter {"lora_name", "lora_path"} and /v1/unload_lora_adapter {"lora_name"} change
                them at runtime, as vLLM's routes do.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory, or a GGUF file (F32, F16, BF16, Q8_0,"
                        + " Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K; tokenizer and chat template from its metadata; --dtype does not apply)")
                .option("embed-model", "DIR", "a sentence-transformers directory served at /v1/embeddings under its"
                        + " directory's name", null)
                .option("served-model-name", "NAME", "the model name clients send; default: the directory's name", null)
                .option("host", "ADDR", "address to listen on", "127.0.0.1")
                .option("port", "N", "port to listen on (0: any free port)", "8000")
                .option("api-key", "KEY", "require 'Authorization: Bearer KEY' on /v1/ routes", null)
                .option("max-batch", "N", "most sequences decoded together in one step", "8")
                .option("max-waiting", "N", "most requests waiting for a batch row (beyond: 429)", "256")
                .option("max-body-bytes", "N", "largest request body (beyond: 413)", "1048576")
                .option("max-model-len", "N", "the most positions of a prompt and its completion (default: the"
                        + " model's context window, at most 8192)", null)
                .option("kv-blocks", "N", "KV-cache blocks per layer, at least one --max-model-len's worth (default:"
                        + " enough for --max-batch sequences of --max-model-len positions)", null)
                .option("block-size", "N", "positions per KV-cache block; the prefix cache shares whole blocks", "16")
                .option("shutdown-timeout", "S", "on Ctrl-C or SIGTERM, seconds requests in flight may take to finish",
                        "30")
                .option("tokenizer", "PATH", "tokenizer (tokenizer.json, a directory, *.tiktoken); default: the"
                        + " checkpoint's own", null)
                .option("log-dir", "DIR", "log answered requests and clients' ratings there (see above)", null)
                .repeatable("adapter", "NAME=DIR", "a PEFT LoRA adapter served as model NAME beside the base (repeat for"
                        + " more); requests for different adapters share one batch step");
        DtypeOption.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        int port = a.nonNegativeInt("port");
        if (port > 65535) throw new UsageException("--port must lie in [0, 65535], got " + port);
        int maxModelLen = a.has("max-model-len") ? a.positiveInt("max-model-len") : 0;
        int maxBatch = a.positiveInt("max-batch"), maxWaiting = a.positiveInt("max-waiting");
        int maxBody = a.positiveInt("max-body-bytes"), shutdown = a.nonNegativeInt("shutdown-timeout");
        int kvBlocks = a.has("kv-blocks") ? a.positiveInt("kv-blocks") : 0, blockSize = a.positiveInt("block-size");
        Path spec = Path.of(a.string("model"));
        Path explicitTok = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        String name = a.has("served-model-name") ? a.string("served-model-name")
                : spec.toAbsolutePath().normalize().getFileName().toString();
        ServedModel served;
        if (GgufModelFile.is(spec.toString())) {
            served = servedGguf(name, spec, explicitTok);
        } else {
            if (!Files.isDirectory(spec)) throw new UsageException(spec + ": not a checkpoint directory or GGUF file");
            Path dir = PretrainCommand.modelDir(spec);
            CausalLm model = PretrainCommand.loadModel(dir.toString(), 0, DtypeOption.parse(a));
            Tokenizer tok = ModelTokenizer.forModel(model, explicitTok, dir);
            if (tok == null) throw new CliException(dir + ": no tokenizer files with the model; pass --tokenizer PATH");
            served = ServedModel.of(name, model, tok, dir);
        }
        int window = served.contextWindow();
        if (maxModelLen > window)
            throw new UsageException("--max-model-len " + maxModelLen + " exceeds the model's context window of " + window);
        // Llama 3's 131072 positions would reserve gigabytes per row: the default stops at 8192.
        OpenAiServer.Options options = new OpenAiServer.Options(a.string("host"), port, a.string("api-key"), maxBatch,
                maxWaiting, maxBody, shutdown, maxModelLen > 0 ? maxModelLen : Math.min(window, 8192), kvBlocks, blockSize);
        int perWindow = (options.maxModelLen() + blockSize - 1) / blockSize;
        if (kvBlocks > 0 && kvBlocks < perWindow)
            throw new UsageException("--kv-blocks " + kvBlocks + " holds fewer than one --max-model-len of "
                    + options.maxModelLen() + " positions (" + perWindow + " blocks of " + blockSize + ")");
        if (a.has("log-dir")) options = options.withLogDir(Path.of(a.string("log-dir")));
        served = withAdapters(served, AdapterOption.named(a));
        OpenAiServer server;
        String embedName = null;
        if (a.has("embed-model")) {
            Path embedDir = Path.of(a.string("embed-model"));
            if (!Files.isDirectory(embedDir)) throw new UsageException(embedDir + ": not a model directory");
            embedName = embedDir.toAbsolutePath().normalize().getFileName().toString();
            if (embedName.equals(name)) throw new UsageException("the embedding model's name '" + embedName
                    + "' is the served model's too; rename one (--served-model-name)");
            server = OpenAiServer.start(served, embedName, SentenceTransformer.load(embedDir), options);
        } else {
            server = OpenAiServer.start(served, options);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.err.println("serving '" + name + "' on http://" + options.host() + ":" + server.port() + "/v1 ("
                + (served.chatTemplate() == null ? "no chat template: completions only" : "completions and chat")
                + ", batch " + options.maxBatch() + (embedName == null ? "" : "; embeddings with '" + embedName + "'")
                + (served.adapters().isEmpty() ? "" : "; LoRA adapters " + String.join(", ", served.adapters())) + ")");
        stopped.await();
        return Main.OK;
    }

    /** A GGUF file served as {@code name}: its model, tokenizer and chat template, its end-of-text id ending replies. */
    static ServedModel servedGguf(String name, Path file, Path explicitTokenizer) {
        GgufModelFile g = GgufModelFile.load(file, explicitTokenizer);
        return new ServedModel(name, g.model(), g.tokenizer(), g.chatTemplate(),
                EosTokens.orEndOfText(g.model().config(), null, g.tokenizer()));
    }

    /** {@code served} with the {@code --adapter} LoRA adapters loaded, each served under its name (mixed batches). */
    private static ServedModel withAdapters(ServedModel served, Map<String, Path> adapters) throws UsageException {
        if (adapters.isEmpty()) return served;
        if (adapters.containsKey(served.name()))
            throw new UsageException("--adapter: '" + served.name() + "' is the base model's name; name the adapter");
        try {
            return served.withAdapters(AdapterOption.load(served.model(), adapters));
        } catch (PeftException e) {
            throw new CliException("--adapter: " + e.getMessage());
        }
    }
}
