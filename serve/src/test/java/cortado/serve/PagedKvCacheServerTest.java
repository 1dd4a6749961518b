package cortado.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The server's paged KV cache seen through {@code /metrics}: no block leaks after concurrent streams of which some
 * hang up mid-stream, a prompt sharing a long prefix with an earlier one hits the prefix cache (vLLM's token counts)
 * and prefills only the rest with the same greedy output, and a request whose blocks do not fit waits, then runs.
 */
class PagedKvCacheServerTest {
    private static final ExecutorService CLIENTS = Executors.newVirtualThreadPerTaskExecutor();
    private static final String LABELS = "{model_name=\"" + TinyChatModel.NAME + "\"}";

    /** A completions request for token ids {@code ids}, greedy, never ending on the end-of-sequence id 2. */
    private static String request(int[] ids, int maxTokens, boolean stream) {
        return "{\"model\": \"tiny-chat\", \"prompt\": ["
                + IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "], \"max_tokens\": "
                + maxTokens + ", \"temperature\": 0, \"stream\": " + stream + ", \"logit_bias\": {\"2\": -100}}";
    }

    /** Token ids of the tiny model's vocabulary (400), past its special ids. */
    private static int[] ids(Random r, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = 3 + r.nextInt(390);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The response to a POST to /v1/completions; with {@code hangUp}, "" after hanging up hard on the first chunk. */
    private static String post(int port, String body, boolean hangUp) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                    + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            if (!hangUp) return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder seen = new StringBuilder();
            while (seen.indexOf("data: ") < 0) seen.append((char) in.read());
            s.setSoLinger(true, 0);   // RST, as a killed client
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Milliseconds from sending a streaming request to its first {@code data:} line, and the whole stream. */
    private record Timed(double ttftMs, String body) {}

    private static Timed timedStream(int port, String body) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                    + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (seen.indexOf("data: ") < 0) seen.append((char) in.read());
            double ttft = (System.nanoTime() - t0) / 1e6;
            seen.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return new Timed(ttft, seen.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String metrics(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static double value(String metrics, String name) {
        String series = "cortado:" + name + LABELS;
        for (String line : metrics.split("\n"))
            if (line.startsWith(series + " ")) return Double.parseDouble(line.substring(series.length() + 1));
        throw new AssertionError(series + " not in\n" + metrics);
    }

    /** /metrics once nothing runs or waits (polled: the scheduler updates its gauges after each step). */
    private static String idleMetrics(int port) throws InterruptedException {
        String m = metrics(port);
        for (int i = 0; i < 5000 && (value(m, "num_requests_running") > 0 || value(m, "num_requests_waiting") > 0
                || value(m, "kv_cache_blocks_in_use") > 0); i++) {
            Thread.sleep(2);
            m = metrics(port);
        }
        return m;
    }

    /**
     * 24 concurrent streams through 4 rows and 20 blocks (so some wait for blocks, not just rows), prompts sharing a
     * 40-token prefix, every third client hanging up after its first chunk: every other stream completes, and once
     * idle no block is referenced (usage 0); what remains are cached blocks, reusable and within the pool.
     */
    @Test
    void concurrentStreamsWithHangUpsLeakNoBlock() throws Exception {
        try (OpenAiServer server = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 4, 64, 1 << 16, 5, 0, 20, 16))) {
            int port = server.port();
            Random r = new Random(5);
            int[] shared = ids(r, 40);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                String body = request(concat(shared, ids(r, 1 + r.nextInt(20))), 20 + r.nextInt(40), true);
                boolean hangUp = i % 3 == 2;
                replies.add(CompletableFuture.supplyAsync(() -> post(port, body, hangUp), CLIENTS));
            }
            for (int i = 0; i < replies.size(); i++) {
                String reply = replies.get(i).join();
                if (i % 3 != 2) assertThat(reply).as("stream %d", i).startsWith("HTTP/1.1 200")
                        .contains("\"finish_reason\":\"length\"", "data: [DONE]");
            }
            String m = idleMetrics(port);
            assertThat(value(m, "num_requests_running")).isZero();
            assertThat(value(m, "kv_cache_blocks_in_use")).as("blocks still referenced").isZero();
            assertThat(value(m, "kv_cache_usage_perc")).isZero();
            assertThat(value(m, "kv_cache_blocks_cached")).isBetween(2.0, 20.0);
            assertThat(value(m, "prefix_cache_hits_total")).as("the shared 40-token prefix: two full blocks")
                    .isGreaterThanOrEqualTo(32);
            assertThat(m).contains("cortado:cache_config_info{model_name=\"tiny-chat\",block_size=\"16\","
                    + "enable_prefix_caching=\"True\",num_gpu_blocks=\"20\"} 1.0");
            // The server still answers, from its cached blocks or fresh ones.
            assertThat(post(port, request(shared, 8, false), false)).startsWith("HTTP/1.1 200");
        }
    }

    /**
     * A 120-token prompt, then the same prompt again: the second hits the prefix cache for its 7 full blocks (112
     * tokens; the last is always computed), so it prefills 8 tokens instead of 120, and its greedy output is the
     * first's. The time to first token of both is printed (measured, not asserted: a tiny model on a shared machine).
     */
    @Test
    void aSharedPrefixHitsTheCacheAndPrefillsOnlyTheRest() throws Exception {
        try (OpenAiServer server = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 2, 8, 1 << 16, 5, 0))) {
            int port = server.port();
            Random r = new Random(9);
            for (int i = 0; i < 3; i++) timedStream(port, request(ids(r, 120), 4, true));   // warm up the JIT
            String before = metrics(port);
            int[] prompt = ids(r, 120);
            Timed cold = timedStream(port, request(prompt, 6, true));
            String afterCold = idleMetrics(port);
            Timed warm = timedStream(port, request(prompt, 6, true));
            String afterWarm = idleMetrics(port);
            double coldHits = value(afterCold, "prefix_cache_hits_total") - value(before, "prefix_cache_hits_total");
            double warmHits = value(afterWarm, "prefix_cache_hits_total") - value(afterCold, "prefix_cache_hits_total");
            double warmQueries = value(afterWarm, "prefix_cache_queries_total")
                    - value(afterCold, "prefix_cache_queries_total");
            assertThat(coldHits).isZero();
            assertThat(warmQueries).isEqualTo(120);
            assertThat(warmHits).as("7 full blocks of 16").isEqualTo(112);
            assertThat(completion(warm.body())).isEqualTo(completion(cold.body())).isNotEmpty();
            System.out.printf("prefix cache: TTFT cold %.2f ms (120 prompt tokens prefilled), with a hit %.2f ms (8)%n",
                    cold.ttftMs(), warm.ttftMs());
        }
    }

    /** The streamed text, the "text" fields of every chunk joined. */
    private static String completion(String stream) {
        StringBuilder out = new StringBuilder();
        var m = java.util.regex.Pattern.compile("\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(stream);
        while (m.find()) out.append(m.group(1));
        return out.toString();
    }

    /**
     * With 8 blocks (one 128-position window) and 2 rows, two requests that each grow to 7 blocks cannot run
     * together: once the blocks run out the newer is preempted and waits (seen in /metrics: one running, one waiting,
     * a preemption counted) instead of failing, then completes.
     */
    @Test
    void aRequestWhoseBlocksDoNotFitWaits() throws Exception {
        try (OpenAiServer server = OpenAiServer.start(TinyChatModel.load(),
                new OpenAiServer.Options("127.0.0.1", 0, null, 2, 8, 1 << 16, 5, 0, 8, 16))) {
            int port = server.port();
            Random r = new Random(3);
            List<CompletableFuture<String>> replies = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String body = request(ids(r, 10), 100, false);
                replies.add(CompletableFuture.supplyAsync(() -> post(port, body, false), CLIENTS));
            }
            boolean sawWaiting = false;
            for (int i = 0; i < 5000 && !sawWaiting && !replies.stream().allMatch(CompletableFuture::isDone); i++) {
                String m = metrics(port);
                sawWaiting = value(m, "num_requests_running") == 1 && value(m, "num_requests_waiting") == 1;
            }
            for (CompletableFuture<String> f : replies)
                assertThat(f.join()).startsWith("HTTP/1.1 200").contains("\"completion_tokens\":100");
            assertThat(sawWaiting).as("one request waited for blocks while a row was free").isTrue();
            assertThat(value(metrics(port), "num_preemptions_total")).isPositive();
            assertThat(value(idleMetrics(port), "kv_cache_blocks_in_use")).isZero();
        }
    }
}
