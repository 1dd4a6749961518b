package cortado.bench;

import cortado.nn.Conv1D;
import cortado.nn.Init;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.peft.PeftModel;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import cortado.quant.BlockwiseQuantizer;
import cortado.quant.QuantType;
import cortado.quant.Quantized4bit;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.MemoryReport;
import cortado.tensor.Backends;
import cortado.tensor.CpuStorage;
import cortado.tensor.DeferredZeros;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One fine-tuning step (forward, cross-entropy, backward, clip 1.0, AdamW lr 3e-4 with weight decay 0.1 on matrices)
 * of a randomly initialised model, timed, by method:
 * <ul>
 *   <li>{@code full}: every parameter trains (TrainStepMain's step);</li>
 *   <li>{@code lora}: LoRA r on all linear layers (PEFT's all-linear, alpha 2r, no dropout) over the fp32 base, which
 *       is frozen; AdamW holds only the adapters;</li>
 *   <li>{@code qlora}: the same adapters over a base whose linear layers are NF4, blocksize 64, double-quantized
 *       (bitsandbytes' QLoRA recipe). The base is built layer by layer under {@link DeferredZeros}: each layer's fp32
 *       weight is drawn, quantized and dropped before the next, so the fp32 base never exists whole (as loading a
 *       4-bit checkpoint).</li>
 * </ul>
 * Cortado's side of bench/compare/lora_step_vs_peft.sh (peer: lora_step_peft.py, the same step in PyTorch + peft).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.LoraStepMain
 * [--method full|lora|qlora] [--model gpt2-124m|llama-1b] [--threads 2] [--batch 4] [--seq 256] [--r 16] [--steps 5]
 * [--warmup 2] [--checkpoint-activations false]}. {@code llama-1b} is Llama 3.2 1B's shape (16 layers, width 2048,
 * MLP 8192, 32 heads over 8 KV heads, vocabulary 128256, tied head: 1.24B parameters) with plain RoPE. Prints one JSON
 * line: median step time and its forward / backward / optimizer split, every timed step, trainable parameters, the
 * step arena's peak, what the model holds ({@link MemoryReport}: its total, and the quantized layers' bits per
 * parameter as {@code cortado inspect} counts them), the peak resident set while building, and the steps' peak
 * resident set ({@code peak_rss_mib}: VmHWM reset after the build, so it counts the resident model and JVM but not the
 * garbage of drawing a random base; -1 where the kernel cannot reset it).
 */
public final class LoraStepMain {
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), batch = 4, seq = 256, steps = 5, warmup = 2, r = 16;
        String method = "lora", preset = "gpt2-124m";
        boolean checkpoint = false;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--method" -> method = v;
                case "--model" -> preset = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seq" -> seq = Integer.parseInt(v);
                case "--r" -> r = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--checkpoint-activations" -> checkpoint = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (!List.of("full", "lora", "qlora").contains(method))
            throw new IllegalArgumentException("--method is full, lora or qlora, got " + method);
        Parallel.setThreads(threads);
        CausalLm model = build(preset, method.equals("qlora"));
        model.module().checkpointActivations(checkpoint);
        model.module().train();
        String trainable = "";
        if (!method.equals("full")) {
            PeftModel peft = PeftModel.wrap(model, LoraConfig.of(r, 2.0 * r, TargetModules.allLinear()), 0);
            trainable = peft.trainableLine();
        }
        int vocab = model.config().vocabSize();
        AdamW adamw = new AdamW(model.module().namedParameters(), 0.1f); // trainable parameters only
        long trainableParams = adamw.parameterList().stream().mapToLong(Parameter::numel).sum();
        // The steps' own peak: building the random base made garbage (each layer drawn in fp32, then quantized) that a
        // loader of a saved checkpoint would not make. Collect it, then restart the kernel's high-water mark.
        double buildPeak = procStatusMib("VmHWM:");
        System.gc();
        double rssBeforeSteps = procStatusMib("VmRSS:");
        boolean reset = resetPeakRss();
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
        System.out.printf("{\"engine\": \"cortado\", \"method\": \"%s\", \"model\": \"%s\", \"threads\": %d, "
                        + "\"batch\": %d, \"seq\": %d, \"r\": %d, \"trainable_params\": %d, \"median_step_ms\": %.1f, "
                        + "\"median_forward_ms\": %.1f, \"median_backward_ms\": %.1f, \"median_optimizer_ms\": %.1f, "
                        + "\"steps_ms\": %s, \"step_tensors_peak_mib\": %.1f, \"model_mib\": %.1f, "
                        + "\"quantized_bits_per_param\": %.4f, \"build_peak_rss_mib\": %.1f, "
                        + "\"rss_before_steps_mib\": %.1f, \"peak_rss_mib\": %.1f, \"trainable\": \"%s\"}%n",
                method, preset, threads, batch, seq, r, trainableParams, median(timed.total), median(timed.forward),
                median(timed.backward), median(timed.optimizer), Arrays.toString(timed.total.stream().mapToLong(Math::round).toArray()),
                timed.stepTensorsPeakMib(),
                MemoryReport.of(model.module()).total().bytes() / 1048576.0,
                MemoryReport.of(model.module()).quantizedWeights().bitsPerParameter(), buildPeak, rssBeforeSteps,
                reset ? procStatusMib("VmHWM:") : -1, trainable);
    }

    /** The preset's model, random weights; with {@code nf4} its linear layers quantized as they are drawn. */
    static CausalLm build(String preset, boolean nf4) {
        CausalLm model;
        if (!nf4) return preset.equals("llama-1b") ? new LlamaForCausalLm(llama1b(), 0) : Presets.create(preset, 0);
        try (DeferredZeros d = DeferredZeros.enter()) {
            model = preset.equals("llama-1b") ? new LlamaForCausalLm(llama1b())
                    : new Gpt2LmHeadModel((Gpt2Config) Presets.config(preset));
        }
        Module root = model.module();
        long stream = 1000;
        for (Map.Entry<String, Module> e : new ArrayList<>(root.namedModules().entrySet())) {
            String path = e.getKey();
            if (path.equals("lm_head")) continue;
            Tensor bias;
            int in, out;
            boolean conv;
            if (e.getValue() instanceof Linear l) {
                in = l.inFeatures(); out = l.outFeatures(); bias = l.bias() == null ? null : l.bias().value(); conv = false;
            } else if (e.getValue() instanceof Conv1D c) {
                in = c.inFeatures(); out = c.outFeatures(); bias = c.bias().value(); conv = true;
            } else continue;
            // One fp32 temporary per layer, drawn straight in the [out, in] layout the quantizer takes (random weights
            // have no layout to preserve); the replaced layer's own deferred zeros are never allocated.
            Tensor w = Backends.cpu().zeros(out, in);
            Init.normal(w, 0.02f, 0, stream++);
            Quantized4bit q = BlockwiseQuantizer.quantize4bit(((CpuStorage) w.storage()).array(), w.shape(),
                    QuantType.NF4, 64, true);
            root.replace(path, new Linear4bit(q, bias, conv));
        }
        // Embeddings, norms and biases: the family's own initialisation over what is left fp32.
        if (model instanceof Gpt2LmHeadModel g) g.initialize(0);
        else ((LlamaForCausalLm) model).initialize(0);
        return model;
    }

    /** Llama 3.2 1B's shape (transformers' config of meta-llama/Llama-3.2-1B), with unscaled RoPE. */
    static LlamaConfig llama1b() {
        return new LlamaConfig(128256, 2048, 8192, 16, 32, 8, 64, 1e-5f, 500000f, 131072, true, 0.02f, 128000,
                List.of(128001));
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** A field of /proc/self/status in MiB (VmHWM: peak resident set, VmRSS: resident now), or -1 without /proc. */
    static double procStatusMib(String field) throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return -1;
        for (String line : Files.readAllLines(status))
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        return -1;
    }

    /** Resets VmHWM to the current resident set (Linux: "5" written to /proc/self/clear_refs); false where it cannot. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
