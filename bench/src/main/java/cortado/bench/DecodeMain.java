package cortado.bench;

import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.InferenceDType;
import cortado.nn.models.CausalLm;
import cortado.quant.BnbCheckpoint;
import cortado.quant.nn.QuantizedCheckpoint;
import cortado.tensor.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batch-1 greedy decoding and prefill of a checkpoint directory, timed through the user's path (the loaders of
 * {@code generate}, {@link Generator} with its KV cache, the greedy {@link Sampler}): Cortado's side of
 * bench/compare/decode_vs_peers.sh, which runs llama-bench and PyTorch's {@code generate} beside it.
 *
 * <ul>
 *   <li>decode: an 8-token prompt, then {@code --new} tokens (no stop token); tokens/s over the tokens after the
 *       first, so the prompt's prefill is not counted (llama-bench's {@code tg}).</li>
 *   <li>prefill: a {@code --prompt}-token prompt and one new token; prompt tokens / time to the first token
 *       (llama-bench's {@code pp}).</li>
 * </ul>
 * Prompts are fixed pseudo-random ids. Usage: {@code java --add-modules jdk.incubator.vector -cp
 * bench/target/benchmarks.jar cortado.bench.DecodeMain --model DIR [--threads 2] [--new 128] [--prompt 512]
 * [--rounds 3] [--warmup 1] [--mode decode|prefill|both]}. Prints one JSON line: medians, every round, peak RSS.
 */
public final class DecodeMain {
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), newTokens = 128, promptLen = 512, rounds = 3, warmup = 1;
        String dir = null, mode = "both", label = "";
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> dir = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--new" -> newTokens = Integer.parseInt(v);
                case "--prompt" -> promptLen = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--mode" -> mode = v;
                case "--label" -> label = v;
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (dir == null) throw new IllegalArgumentException("--model DIR is required");
        Parallel.setThreads(threads);
        Path p = Path.of(dir);
        // As `generate --dtype auto` loads it: a quantized checkpoint in its format, bf16/f16 files as 16-bit matrices.
        CausalLm model = BnbCheckpoint.isQuantized(p) ? QuantizedCheckpoint.load(p)
                : HfCheckpoint.loadFrozen(p, InferenceDType.AUTO);
        Generator generator = new Generator(model);
        int vocab = Math.min(model.config().vocabSize(), 50257);
        SplittableRandom rng = new SplittableRandom(7);
        int[] shortPrompt = new int[8], longPrompt = new int[promptLen];
        for (int i = 0; i < shortPrompt.length; i++) shortPrompt[i] = rng.nextInt(vocab);
        for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = rng.nextInt(vocab);

        // CPU time of the whole process per decoded token (all threads, JIT and GC included): on a busy machine, where
        // the wall-clock rate mostly says how much CPU the scheduler gave, it says how much work a token took.
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        List<Double> decode = new ArrayList<>(), prefill = new ArrayList<>(), cpuPerToken = new ArrayList<>(),
                prefillCpu = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            if (!mode.equals("prefill")) {
                long[] stamps = new long[newTokens];
                int[] n = {0};
                long[] cpuAtFirst = {0};
                generator.generate(List.of(shortPrompt), List.of(Sampler.greedy()),
                        new StoppingCriteria(newTokens, Set.of(), List.of()), null,
                        (row, token) -> {
                            if (n[0] == 0) cpuAtFirst[0] = os.getProcessCpuTime();
                            stamps[n[0]++] = System.nanoTime();
                        });
                long cpu = os.getProcessCpuTime() - cpuAtFirst[0];
                if (r >= warmup) {
                    decode.add((newTokens - 1) / ((stamps[newTokens - 1] - stamps[0]) / 1e9));
                    cpuPerToken.add(cpu / 1e6 / (newTokens - 1));
                }
            }
            if (!mode.equals("decode")) {
                long t0 = System.nanoTime(), cpu0 = os.getProcessCpuTime();
                long[] first = {0, 0};
                generator.generate(List.of(longPrompt), List.of(Sampler.greedy()),
                        new StoppingCriteria(1, Set.of(), List.of()), null, (row, token) -> {
                            first[0] = System.nanoTime();
                            first[1] = os.getProcessCpuTime();
                        });
                if (r >= warmup) {
                    prefill.add(promptLen / ((first[0] - t0) / 1e9));
                    prefillCpu.add((first[1] - cpu0) / 1e6);
                }
            }
        }
        System.out.printf("{\"engine\": \"cortado\", \"label\": \"%s\", \"model\": \"%s\", \"threads\": %d, "
                        + "\"decode_tok_s\": %.2f, \"prefill_tok_s\": %.2f, \"decode_rounds\": %s, \"prefill_rounds\": %s, "
                        + "\"decode_cpu_ms_per_token\": %.1f, \"prefill_cpu_ms\": %.0f, \"peak_rss_mib\": %.1f}%n",
                label, p.getFileName(), threads, median(decode), median(prefill), rounded(decode), rounded(prefill),
                median(cpuPerToken), median(prefillCpu), peakRssMib());
    }

    private static String rounded(List<Double> xs) {
        return Arrays.toString(xs.stream().mapToDouble(x -> Math.round(x * 10) / 10.0).toArray());
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) return -1;
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** Peak resident set of this process from /proc/self/status (VmHWM), or -1 where /proc is absent. */
    private static double peakRssMib() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status))
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        return -1;
    }
}
