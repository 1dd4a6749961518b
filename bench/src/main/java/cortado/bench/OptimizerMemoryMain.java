package cortado.bench;

import cortado.autograd.Autograd;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.tensor.Parallel;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import cortado.train.GradClip;
import cortado.train.Optimizer;
import cortado.train.OptimizerKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Full fine-tuning steps of GPT-2 124M (forward, cross-entropy, backward, clip, optimizer) with a chosen optimizer,
 * reporting the optimizer state it holds in memory (counted by the optimizer: moments, scales, page frames), its
 * total state, the spill traffic and the process's peak resident set (VmHWM). One JVM per optimizer, since the peak is
 * the process's: bench/compare/optimizer_memory.sh runs adamw and paged-adamw (64 MB cap) alternately.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Xmx6g -cp bench/target/benchmarks.jar
 * cortado.bench.OptimizerMemoryMain [--optimizer paged-adamw] [--optimizer-memory-cap 64] [--model gpt2-124m]
 * [--batch 4] [--seq 64] [--steps 3] [--threads 2] [--spill-dir DIR]}. Prints one JSON line.
 */
public final class OptimizerMemoryMain {
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), batch = 4, seq = 64, steps = 3;
        String preset = "gpt2-124m", optimizer = "paged-adamw";
        long capMb = 64;
        Path spill = null;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seq" -> seq = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--model" -> preset = v;
                case "--optimizer" -> optimizer = v;
                case "--optimizer-memory-cap" -> capMb = Long.parseLong(v);
                case "--spill-dir" -> spill = Path.of(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        Parallel.setThreads(threads);
        CausalLm model = Presets.create(preset, 0);
        int vocab = model.config().vocabSize();
        OptimizerKind kind = OptimizerKind.parse(optimizer);
        List<Double> stepMs = new ArrayList<>(), optMs = new ArrayList<>();
        long maxResident = 0, total = 0;
        try (Optimizer opt = kind.create(model.module().namedParameters(), 0.1f, capMb * 1_000_000L, spill)) {
            SplittableRandom rng = new SplittableRandom(1);
            for (int s = 0; s < steps; s++) {
                int[] inputs = new int[batch * seq], targets = new int[batch * seq];
                for (int i = 0; i < inputs.length; i++) {
                    inputs[i] = rng.nextInt(vocab);
                    targets[i] = rng.nextInt(vocab);
                }
                long t0 = System.nanoTime(), t1;
                try (StepArena arena = StepArena.open()) {
                    Tensor loss = model.loss(inputs, targets, batch, seq);
                    Autograd.backward(loss);
                    t1 = System.nanoTime();
                    opt.step(3e-4f, GradClip.measure(opt.parameterList(), 1.0f).scale());
                    opt.zeroGrad();
                }
                long t2 = System.nanoTime();
                stepMs.add((t2 - t0) / 1e6);
                optMs.add((t2 - t1) / 1e6);
                maxResident = Math.max(maxResident, opt.stateBytesResident());
                total = opt.stateBytesTotal();
            }
        }
        System.out.printf("{\"model\": \"%s\", \"optimizer\": \"%s\", \"cap_mb\": %d, \"batch\": %d, \"seq\": %d, "
                        + "\"threads\": %d, \"optimizer_resident_mb\": %.2f, \"optimizer_total_mb\": %.2f, "
                        + "\"peak_rss_mb\": %.1f, \"steps_ms\": %s, \"optimizer_ms\": %s}%n",
                preset, optimizer, kind.paged() ? capMb : 0, batch, seq, threads, maxResident / 1e6, total / 1e6,
                peakRssMb(), Arrays.toString(stepMs.stream().mapToLong(Math::round).toArray()),
                Arrays.toString(optMs.stream().mapToLong(Math::round).toArray()));
    }

    /** Peak resident set of this process from /proc/self/status (VmHWM), in MB, or -1 where /proc is absent. */
    private static double peakRssMb() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status))
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 1e6;
        return -1;
    }
}
