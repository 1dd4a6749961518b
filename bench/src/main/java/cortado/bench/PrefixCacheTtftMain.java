package cortado.bench;

import cortado.data.tokenizer.Tokenizers;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import cortado.tensor.Parallel;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Time to first token through the server with and without a prefix-cache hit, on GPT-2 124M's transformer (12
 * layers, width 768, 12 heads, 1024 positions; random weights, the tokenizer directory's vocabulary). Each round
 * sends a fresh {@code --prompt}-token prompt (cold: nothing cached), then a prompt sharing all but its last
 * {@code --suffix} tokens with it (a hit on the shared full blocks); TTFT is client-side, from sending the request
 * to its first streamed chunk. Usage: {@code java --add-modules jdk.incubator.vector -cp CP
 * cortado.bench.PrefixCacheTtftMain --tokenizer DIR [--threads 2] [--prompt 768] [--suffix 16] [--rounds 5]}.
 * Prints the per-round figures and their medians, and the server's prefix-cache counters.
 */
public final class PrefixCacheTtftMain {
    public static void main(String[] args) throws Exception {
        int threads = 2, prompt = 768, suffix = 16, rounds = 5;
        String tokenizer = null;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--tokenizer" -> tokenizer = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--prompt" -> prompt = Integer.parseInt(v);
                case "--suffix" -> suffix = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (tokenizer == null) throw new IllegalArgumentException("--tokenizer DIR is required");
        Parallel.setThreads(threads);
        var tok = Tokenizers.open(Path.of(tokenizer));
        int vocab = tok.vocabSize();
        CausalLm model = Models.create(Gpt2Config.of(vocab, 1024, 768, 12, 12, 2), 1);
        ServedModel served = new ServedModel("gpt2-124m-shape", model, tok, null, java.util.Set.of(2));
        SplittableRandom r = new SplittableRandom(7);
        double[] cold = new double[rounds], hit = new double[rounds];
        try (OpenAiServer server = OpenAiServer.start(served,
                new OpenAiServer.Options("127.0.0.1", 0, null, 2, 8, 1 << 20, 5, 1024))) {
            int port = server.port();
            ttft(port, ids(r, prompt, vocab));   // warm up the JIT
            ttft(port, ids(r, prompt, vocab));
            for (int i = 0; i < rounds; i++) {
                int[] p = ids(r, prompt, vocab), q = p.clone();
                for (int j = prompt - suffix; j < prompt; j++) q[j] = 3 + r.nextInt(vocab - 3);
                cold[i] = ttft(port, p);
                hit[i] = ttft(port, q);
                System.out.printf("round %d: TTFT cold %.1f ms, with a prefix hit %.1f ms%n", i, cold[i], hit[i]);
            }
            String m = get(port, "/metrics");
            for (String line : m.split("\n"))
                if (line.startsWith("cortado:prefix_cache") || line.startsWith("cortado:prompt_tokens_total"))
                    System.out.println(line);
        }
        System.out.printf("median TTFT over %d rounds, %d-token prompts, %d threads: cold %.1f ms, hit (%d of %d tokens"
                + " cached) %.1f ms%n", rounds, prompt, threads, median(cold), (prompt - suffix) / 16 * 16, prompt, median(hit));
    }

    private static int[] ids(SplittableRandom r, int n, int vocab) {
        return IntStream.range(0, n).map(i -> 3 + r.nextInt(vocab - 3)).toArray();
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Milliseconds from sending a one-token streaming completion of {@code ids} to its first chunk. */
    private static double ttft(int port, int[] ids) throws Exception {
        String body = "{\"model\": \"gpt2-124m-shape\", \"prompt\": ["
                + IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(","))
                + "], \"max_tokens\": 2, \"temperature\": 0, \"stream\": true}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                    + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (seen.indexOf("data: ") < 0) {
                int c = in.read();
                if (c < 0) throw new IllegalStateException("no chunk in: " + seen);
                seen.append((char) c);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            in.readAllBytes();
            return ms;
        }
    }

    private static String get(int port, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
