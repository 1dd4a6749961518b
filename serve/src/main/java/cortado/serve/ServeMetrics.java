package cortado.serve;

import cortado.nn.generate.FinishReason;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics ({@code GET /metrics}, text format 0.0.4) under vLLM's names with a {@code cortado:}
 * prefix in place of {@code vllm:}, each labelled with {@code model_name}, and vLLM's histogram buckets, so
 * dashboards made for vLLM read them unchanged.
 */
final class ServeMetrics {
    private static final String P = "cortado:";
    private final String labels;
    private IntSupplier running = () -> 0, waiting = () -> 0;
    private DoubleSupplier kvCacheUsage = () -> 0;
    private IntSupplier blocksInUse = () -> 0, cachedBlocks = () -> 0;
    private int blockSize, kvBlocks;
    private final AtomicLong prefixQueries = new AtomicLong(), prefixHits = new AtomicLong(), preemptions = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong(), generationTokens = new AtomicLong();
    private final AtomicLong finishedStop = new AtomicLong(), finishedLength = new AtomicLong();
    private final AtomicLong ratedGood = new AtomicLong(), ratedBad = new AtomicLong();
    // vLLM's buckets (vllm/v1/metrics/loggers.py).
    private final Histogram timeToFirstToken = new Histogram(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25,
            0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0);
    private final Histogram timePerOutputToken = new Histogram(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4,
            0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0);
    private final Histogram e2eLatency = new Histogram(0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
            40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0);

    ServeMetrics(String modelName) {
        this.labels = "model_name=\"" + modelName.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Where the gauges read the scheduler's queue lengths and KV-cache use. */
    void gauges(IntSupplier running, IntSupplier waiting, DoubleSupplier kvCacheUsage) {
        this.running = running;
        this.waiting = waiting;
        this.kvCacheUsage = kvCacheUsage;
    }

    /** Where the block gauges read the KV cache: blocks sequences reference, and unreferenced ones still cached. */
    void kvBlocks(IntSupplier inUse, IntSupplier cached) {
        this.blocksInUse = inUse;
        this.cachedBlocks = cached;
    }

    /** The paged KV cache's shape, shown as vLLM's {@code cache_config_info} labels. */
    void cacheConfig(int blockSize, int blocks) {
        this.blockSize = blockSize;
        this.kvBlocks = blocks;
    }

    /** One prefix-cache lookup of a prompt of {@code queried} tokens, {@code hit} of them found cached. */
    void prefixCache(int queried, int hit) {
        prefixQueries.addAndGet(queried);
        prefixHits.addAndGet(hit);
    }

    /** A running sequence preempted for lack of KV blocks (to be recomputed). */
    void preemption() { preemptions.incrementAndGet(); }

    void promptTokens(int n) { promptTokens.addAndGet(n); }

    void generationTokens(int n) { generationTokens.addAndGet(n); }

    void firstToken(long nanosSinceArrival) { timeToFirstToken.observe(nanosSinceArrival / 1e9); }

    /** A sequence that ended normally (not cancelled or failed), at {@code nowNanos}. */
    void finished(GenerationJob job, FinishReason reason, long nowNanos) {
        e2eLatency.observe((nowNanos - job.arrivalNanos) / 1e9);
        if (job.generated() > 1)
            timePerOutputToken.observe((nowNanos - job.firstTokenNanos) / 1e9 / (job.generated() - 1));
        (reason == FinishReason.STOP ? finishedStop : finishedLength).incrementAndGet();
    }

    /** A client's rating of one of this server's answers ({@code POST /v1/feedback}). */
    void rated(boolean good) { (good ? ratedGood : ratedBad).incrementAndGet(); }

    String render() {
        StringBuilder out = new StringBuilder();
        gauge(out, "num_requests_running", "Number of requests in model execution batches.", running.getAsInt());
        gauge(out, "num_requests_waiting", "Number of requests waiting to be processed.", waiting.getAsInt());
        gauge(out, "kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", kvCacheUsage.getAsDouble());
        // Cortado's own: the block counts behind the usage, to check that no block leaks.
        gauge(out, "kv_cache_blocks_in_use", "KV-cache blocks referenced by running requests.", blocksInUse.getAsInt());
        gauge(out, "kv_cache_blocks_cached", "KV-cache blocks no request references that hold a cached prefix.",
                cachedBlocks.getAsInt());
        counter(out, "prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.",
                prefixQueries.get());
        counter(out, "prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
                prefixHits.get());
        counter(out, "num_preemptions_total", "Cumulative number of preemption from the engine.", preemptions.get());
        if (kvBlocks > 0) {
            header(out, "cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
            out.append(P).append("cache_config_info{").append(labels).append(",block_size=\"").append(blockSize)
                    .append("\",enable_prefix_caching=\"True\",num_gpu_blocks=\"").append(kvBlocks).append("\"} 1.0\n");
        }
        counter(out, "prompt_tokens_total", "Number of prefill tokens processed.", promptTokens.get());
        counter(out, "generation_tokens_total", "Number of generation tokens processed.", generationTokens.get());
        header(out, "request_success_total", "Count of successfully processed requests.", "counter");
        out.append(P).append("request_success_total{").append(labels).append(",finished_reason=\"stop\"} ")
                .append((double) finishedStop.get()).append('\n');
        out.append(P).append("request_success_total{").append(labels).append(",finished_reason=\"length\"} ")
                .append((double) finishedLength.get()).append('\n');
        // Quality, beyond vLLM's set: the ratings clients sent since the server started, and the share rated good.
        header(out, "feedback_ratings_total", "Number of ratings received through /v1/feedback.", "counter");
        out.append(P).append("feedback_ratings_total{").append(labels).append(",rating=\"good\"} ")
                .append((double) ratedGood.get()).append('\n');
        out.append(P).append("feedback_ratings_total{").append(labels).append(",rating=\"bad\"} ")
                .append((double) ratedBad.get()).append('\n');
        long rated = ratedGood.get() + ratedBad.get();
        gauge(out, "feedback_good_ratio", "Share of received ratings that were good (NaN before the first).",
                rated == 0 ? Double.NaN : (double) ratedGood.get() / rated);
        histogram(out, "time_to_first_token_seconds", "Histogram of time to first token in seconds.", timeToFirstToken);
        histogram(out, "time_per_output_token_seconds", "Histogram of time per output token in seconds.",
                timePerOutputToken);
        histogram(out, "e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", e2eLatency);
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(P).append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(P).append(name).append(' ').append(type).append('\n');
    }

    private void gauge(StringBuilder out, String name, String help, double value) {
        header(out, name, help, "gauge");
        out.append(P).append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private void counter(StringBuilder out, String name, String help, long value) {
        header(out, name, help, "counter");
        out.append(P).append(name).append('{').append(labels).append("} ").append((double) value).append('\n');
    }

    private void histogram(StringBuilder out, String name, String help, Histogram h) {
        header(out, name, help, "histogram");
        h.write(out, P + name, labels);
    }
}
