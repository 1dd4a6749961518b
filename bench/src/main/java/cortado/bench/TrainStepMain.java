package cortado.bench;

import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.tensor.Parallel;
import cortado.tensor.StepArena;
import cortado.train.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One GPT-2 124M training step (forward, cross-entropy, backward, global-norm clip, AdamW), timed: Cortado's side of
 * bench/compare/train_step_vs_torch.sh, whose peer is train_step_torch.py doing the same step in PyTorch.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.TrainStepMain
 * [--threads 2] [--batch 4] [--seq 64] [--steps 8] [--warmup 2] [--model gpt2-124m] [--checkpoint-activations true]}. Prints one JSON line: the median
 * step time, the split into forward / backward / optimizer, and the peak resident set (VmHWM).
 */
public final class TrainStepMain {
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), batch = 4, seq = 64, steps = 8, warmup = 2;
        String preset = "gpt2-124m";
        boolean checkpoint = false;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seq" -> seq = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--model" -> preset = v;
                case "--checkpoint-activations" -> checkpoint = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        Parallel.setThreads(threads);
        CausalLm model = Presets.create(preset, 0);
        model.module().checkpointActivations(checkpoint);
        int vocab = model.config().vocabSize();
        // Same optimizer settings as the PyTorch side: lr 3e-4, weight decay 0.1 on rank >= 2, clip 1.0.
        AdamW adamw = new AdamW(model.module().namedParameters(), 0.1f);
        SplittableRandom rng = new SplittableRandom(1);
        TimedSteps timed = new TimedSteps();
        for (int s = 0; s < warmup + steps; s++) {
            int[] inputs = new int[batch * seq], targets = new int[batch * seq];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = rng.nextInt(vocab);
                targets[i] = rng.nextInt(vocab);
            }
            timed.step(model, inputs, targets, batch, seq, adamw, s >= warmup);
        }
        System.out.printf("{\"engine\": \"cortado\", \"model\": \"%s\", \"threads\": %d, \"batch\": %d, \"seq\": %d, "
                        + "\"median_step_ms\": %.1f, \"median_forward_ms\": %.1f, \"median_backward_ms\": %.1f, "
                        + "\"median_optimizer_ms\": %.1f, \"steps_ms\": %s, \"step_tensors_peak_mib\": %.1f, \"pooled_mib\": %.1f, "
                        + "\"peak_rss_mib\": %.1f}%n",
                preset, threads, batch, seq, median(timed.total), median(timed.forward), median(timed.backward),
                median(timed.optimizer), Arrays.toString(timed.total.stream().mapToLong(Math::round).toArray()),
                timed.stepTensorsPeakMib(), StepArena.pooledBytes() / 1048576.0,
                peakRssMib());
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** Peak resident set of this process from /proc/self/status (VmHWM), or -1 where /proc is absent. */
    private static double peakRssMib() throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
        return -1;
    }
}
