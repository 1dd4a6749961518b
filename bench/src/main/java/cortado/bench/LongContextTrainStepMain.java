package cortado.bench;

import cortado.autograd.Autograd;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.llama.LlamaConfig;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training steps of a Llama with a Llama 3 sized vocabulary (128,256 tokens) on one long sequence: hidden size 512,
 * 4 layers, 8 query and 2 key/value heads of 64, SwiGLU 1536, tied embeddings, B=1, T=32,768 by default. Its logits
 * would be T x V = 4.2e9 floats (beyond 2^31 elements, 16.8 GB); the chunked head and loss
 * (F.linearCrossEntropy, used by the model's loss) keep only a few hundred rows of them at a time, and attention is
 * fused (memory linear in T). Run by bench/long_context_step.sh, which reports the peak RSS.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -Xmx16g -cp bench/target/benchmarks.jar
 * cortado.bench.LongContextTrainStepMain [--seq 32768] [--steps 1] [--threads N]}. Prints one JSON line per step
 * (forward, backward and optimizer milliseconds, the loss) and the peak resident set (VmHWM).
 */
public final class LongContextTrainStepMain {
    public static void main(String[] args) throws Exception {
        int seq = 32768, steps = 1, threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--seq" -> seq = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        Parallel.setThreads(threads);
        int vocab = 128_256;
        LlamaConfig config = new LlamaConfig(vocab, 512, 1536, 4, 8, 2, 64, 1e-5f, 500_000f, seq, true, 0.02f,
                128_000, List.of(128_001));
        CausalLm model = Models.create(config, 0);
        long params = model.module().parameterCount();
        AdamW adamw = new AdamW(model.module().namedParameters(), 0.1f);
        SplittableRandom rng = new SplittableRandom(1);
        System.out.printf("{\"model\": \"llama hidden 512, 4 layers, vocab %d\", \"parameters\": %d, \"batch\": 1, "
                + "\"seq\": %d, \"threads\": %d, \"logits_elements_unfused\": %d}%n", vocab, params, seq, threads,
                (long) seq * vocab);
        for (int s = 1; s <= steps; s++) {
            int[] inputs = new int[seq], targets = new int[seq];
            for (int i = 0; i < seq; i++) {
                inputs[i] = rng.nextInt(vocab);
                targets[i] = rng.nextInt(vocab);
            }
            long t0 = System.nanoTime();
            Tensor loss = model.loss(inputs, targets, 1, seq);
            long t1 = System.nanoTime();
            System.out.printf("{\"step\": %d, \"forward_done\": true, \"loss\": %.4f, \"forward_ms\": %.0f, "
                    + "\"peak_rss_mib\": %.0f}%n", s, loss.item(), (t1 - t0) / 1e6, peakRssMib());
            Autograd.backward(loss);
            long t2 = System.nanoTime();
            GradClip.clipGlobalNorm(adamw.parameterList(), 1.0f);
            adamw.step(3e-4f);
            adamw.zeroGrad();
            long t3 = System.nanoTime();
            System.out.printf("{\"step\": %d, \"loss\": %.4f, \"step_ms\": %.0f, \"forward_ms\": %.0f, "
                            + "\"backward_ms\": %.0f, \"optimizer_ms\": %.0f, \"peak_rss_mib\": %.0f}%n", s, loss.item(),
                    (t3 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, peakRssMib());
        }
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
