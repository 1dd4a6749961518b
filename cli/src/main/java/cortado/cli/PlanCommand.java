package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Models;
import cortado.peft.PeftMethods;
import cortado.peft.PeftModel;
import cortado.quant.nn.ModelQuantizer;
import cortado.tensor.Parallel;
import cortado.train.Plan;
import cortado.train.StepMetrics;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** {@code cortado plan}: parameters versus tokens for a model before training it ({@link Plan}); see {@link #args()}. */
public final class PlanCommand implements Command {
    /** Steps --measure times after one untimed warm-up step. */
    static final int MEASURED_STEPS = 3;

    @Override public String name() { return "plan"; }

    @Override public String summary() { return "parameters, memory, FLOPs and tokens for training a model, before training it"; }

    static Args args() {
        return new Args("plan", """
                Plans a training run from a model's config alone (nothing is allocated, so a 7B shape plans in
                milliseconds): the parameter count with the embeddings apart (a tied head counted once), the memory of
                weights, gradients, optimizer state (AdamW's fp32 moments or 8-bit blockwise ones) and activations at
                --batch x --seq in fp32 and bf16 (and NF4 for a QLoRA base, 4.127 bits per weight), the training FLOPs
                6·N·D and with PaLM's attention term (6N + 12·L·T·d)·D, Chinchilla's compute-optimal 20 tokens per
                parameter, and GPT-3's, Chinchilla's and Llama 2's runs for scale. Activations are counted tensor by
                tensor as Korthikanti et al. 2022 do (their 34·s·b·h + 5·a·s²·b bytes per layer in fp16 with dropout),
                without dropout, at the precision's bytes per element. --measure times a few training steps of the
                model on this machine and turns its throughput into the time --tokens would take.""")
                .required("model", "PRESET|DIR", "a preset, a Hugging Face checkpoint directory, or a directory holding"
                        + " only a config.json")
                .option("config", "K=V,...", "change a preset's or a config-only directory's fields (as pretrain)", null)
                .option("tokenizer", "PATH", "a new model's vocabulary follows this tokenizer (as pretrain)", null)
                .option("method", "full|lora|qlora", "what trains: everything, or LoRA adapters over a frozen fp32/bf16"
                        + " base or an NF4 one", "full")
                .option("r", "R", "LoRA rank (adapters on PEFT's default targets: c_attn for gpt2, q_proj and v_proj"
                        + " for the Llama family)", Integer.toString(Plan.DEFAULT_RANK))
                .option("batch", "B", "sequences per batch", "8")
                .option("seq", "T", "tokens per sequence (default 128, or the model's positions when fewer)", "128")
                .option("tokens", "N", "training tokens, e.g. 2e9; default: Chinchilla's 20 per parameter", null)
                .option("seed", "S", "--measure: seed of the random weights and tokens it times", "1337")
                .flag("measure", "time " + MEASURED_STEPS + " training steps (after warming up) at B x T on this"
                        + " machine and say how long --tokens would take");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Plan.Method method;
        try {
            method = Plan.Method.parse(a.choice("method", "full", "lora", "qlora"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (a.has("r") && method == Plan.Method.FULL) throw new UsageException("--r is LoRA's rank; add --method lora or qlora");
        int rank = a.positiveInt("r"), batch = a.positiveInt("batch"), seq = a.positiveInt("seq");
        long tokens = 0;
        if (a.has("tokens")) {
            double t = a.real("tokens");
            if (!(t >= 1) || t > Long.MAX_VALUE) throw new UsageException("--tokens must be a positive count, got " + a.string("tokens"));
            tokens = (long) t;
        }
        ModelConfig config = config(a.string("model"), a.string("config"),
                a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null);
        if (!a.has("seq")) seq = Math.min(seq, config.maxPositions());   // the default fits any model
        if (seq > config.maxPositions())
            throw new UsageException("--seq " + seq + " exceeds the model's " + config.maxPositions() + " positions");
        Plan plan = Plan.of(config, method, rank, batch, seq, tokens);
        PrintStream o = System.out;
        print(plan, a.string("model"), a.has("tokens"), o);
        if (a.bool("measure")) measure(plan, a.longValue("seed"), o);
        return Main.OK;
    }

    /** The config --model and --config name: a fresh model's (as pretrain builds it) or a checkpoint's. */
    static ModelConfig config(String spec, String overrides, Path tokenizer) throws UsageException {
        if (FreshModel.isFresh(spec)) {
            Tokenizer fit = FreshModel.tokenizer(spec, tokenizer);
            return FreshModel.config(spec, overrides, fit);
        }
        if (overrides != null)
            throw new UsageException("--config sets the fields of a new model (a preset or a directory holding only"
                    + " config.json); " + spec + " holds trained weights");
        Path dir = PretrainCommand.modelDir(Path.of(spec));
        if (!Files.isDirectory(dir)) {
            PretrainCommand.loadModel(spec, 0);   // the same error as pretrain: an unknown preset or a missing directory
            throw new IllegalStateException(spec);
        }
        try {   // a quantized checkpoint plans as the model it was quantized from (--method qlora plans NF4)
            java.util.Map<String, Object> json = new java.util.LinkedHashMap<>(HfCheckpoint.readConfig(dir));
            json.remove("quantization_config");
            return Models.config(json);
        } catch (cortado.nn.models.ConfigException e) {
            throw new CliException(dir.resolve(HfCheckpoint.CONFIG) + ": " + e.getMessage().replaceFirst("^config\\.json: ", ""));
        }
    }

    static void print(Plan p, String name, boolean tokensGiven, PrintStream o) {
        boolean full = p.method() == Plan.Method.FULL;
        o.printf(Locale.ROOT, "plan for %s (%s, %d layers, width %d, %d heads): %s, batch %d x %d tokens%n", name,
                p.config().modelType(), p.layers(), p.hidden(), p.heads(), switch (p.method()) {
                    case FULL -> "full training";
                    case LORA -> "LoRA r=" + p.rank() + " on " + String.join(", ", p.targets()) + " over a frozen base";
                    case QLORA -> "QLoRA r=" + p.rank() + " on " + String.join(", ", p.targets()) + " over an NF4 base";
                }, p.batch(), p.seq());
        o.println();
        o.println("parameters");
        row(o, "total", p.parameters(), "(" + TrainingRun.count(p.parameters()) + ")");
        row(o, "embeddings", p.embeddingParameters(), p.headParameters() == 0
                ? "the output head is tied to the token embedding: counted once, here" : "the output head is untied (below)");
        row(o, p.layers() + " blocks", p.blockParameters(), String.format(Locale.ROOT, "%,d each; %,d in linear weights",
                p.blockParameters() / p.layers(), p.blockMatrixParameters()));
        row(o, "final norm", p.finalNormParameters(), "");
        if (p.headParameters() > 0) row(o, "output head", p.headParameters(), "untied");
        row(o, "trainable", p.trainableParameters(), full ? "(everything)" : String.format(Locale.ROOT,
                "(LoRA A and B: %.4f%% of the model)", 100.0 * p.trainableParameters() / p.parameters()));
        o.println();
        o.printf(Locale.ROOT, "memory%38s%12s%n", "fp32", "bf16");
        mem(o, p.method() == Plan.Method.QLORA ? "weights (block matrices NF4)" : full ? "weights" : "weights (base + adapters)",
                p.weightBytes(Plan.Precision.FP32), p.weightBytes(Plan.Precision.BF16));
        mem(o, full ? "gradients" : "gradients (adapters)", p.gradientBytes(Plan.Precision.FP32),
                p.gradientBytes(Plan.Precision.BF16));
        mem(o, "AdamW m, v (fp32)", p.adamWBytes(), p.adamWBytes());
        mem(o, "AdamW8bit m, v (blockwise)", p.adamW8bitBytes(), p.adamW8bitBytes());
        mem(o, "activations, fused attention", p.activationBytes(Plan.Precision.FP32, true),
                p.activationBytes(Plan.Precision.BF16, true));
        mem(o, "activations, probabilities kept", p.activationBytes(Plan.Precision.FP32, false),
                p.activationBytes(Plan.Precision.BF16, false));
        mem(o, "activations, checkpointed", p.checkpointedActivationBytes(Plan.Precision.FP32, true),
                p.checkpointedActivationBytes(Plan.Precision.BF16, true));
        mem(o, "total with AdamW", p.totalBytes(Plan.Precision.FP32, false), p.totalBytes(Plan.Precision.BF16, false));
        mem(o, "total with AdamW8bit", p.totalBytes(Plan.Precision.FP32, true), p.totalBytes(Plan.Precision.BF16, true));
        o.printf(Locale.ROOT, "  (%s; bf16 keeps no fp32 master copy: add 4 bytes per trainable parameter for one)%n"
                + "  (activations: each layer's saved tensors counted as Korthikanti et al. 2022, without dropout; fused"
                + " attention keeps a·s·b log-sum-exps%n  instead of the a·s²·b probabilities, as Cortado's kernel does,"
                + " and the totals use it; checkpointed: each block's input plus one block)%n",
                p.method() == Plan.Method.QLORA ? String.format(Locale.ROOT,
                        "NF4 with double quantization: %.3f bits per block-matrix weight, the rest at the column's precision",
                        Plan.NF4_BITS_PER_WEIGHT) : "weights, gradients and activations at the column's precision");
        o.println();
        long d = p.tokens();
        o.printf(Locale.ROOT, "compute for D = %s tokens (%.1f per parameter%s), %,d steps of %d x %d%n", tokensText(d),
                (double) d / p.parameters(), tokensGiven ? "" : ", Chinchilla-optimal",
                p.steps((long) p.batch() * p.seq()), p.batch(), p.seq());
        o.printf(Locale.ROOT, "  %-38s %s FLOPs%s%n", full ? "6·N·D" : "(4N + 6·adapters)·D", sci(p.trainingFlops()),
                full ? "  (Kaplan et al. 2020; N counts every parameter, as Hoffmann et al. 2022)"
                        : "  (frozen weights need no weight gradient)");
        o.printf(Locale.ROOT, "  %-38s %s FLOPs  (PaLM, Chowdhery et al. 2022, app. B: attention adds %.1f%% at T = %d)%n",
                "with attention, + 12·L·T·d per token", sci(p.trainingFlopsWithAttention()),
                100 * p.attentionFlopsPerToken() / p.flopsPerToken(), p.seq());
        o.printf(Locale.ROOT, "  %-38s %s tokens (6·N·D = %s FLOPs)%n", "Chinchilla-optimal D = 20·N",
                tokensText(p.chinchillaTokens()), sci(6.0 * p.parameters() * p.chinchillaTokens()));
        for (Plan.Reference r : Plan.REFERENCES)
            o.printf(Locale.ROOT, "  %-38s %s FLOPs  (%.1f tokens per parameter)%n", "for scale: " + r.name() + " on "
                    + tokensText((long) r.tokens()), sci(r.flops()), r.tokensPerParameter());
    }

    private static void row(PrintStream o, String label, long n, String note) {
        o.printf(Locale.ROOT, "  %-28s %,15d  %s%n", label, n, note);
    }

    private static void mem(PrintStream o, String label, long fp32, long bf16) {
        o.printf(Locale.ROOT, "  %-32s %12s%12s%n", label, bytes(fp32), bytes(bf16));
    }

    /** "1.23 GiB", "45.6 MiB", "789 KiB". */
    static String bytes(long b) {
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.0f KiB", b / 1024.0);
    }

    /** "7.47e17". */
    static String sci(double x) {
        return String.format(Locale.ROOT, "%.2e", x).replaceAll("e\\+0*(\\d)", "e$1").replaceAll("e-0*(\\d)", "e-$1");
    }

    /** "2.49B", "300B", "1.4T", "8.19M". */
    static String tokensText(long n) {
        if (n < 1_000_000) return TrainingRun.count(n);
        double v = n >= 1e12 ? n / 1e12 : n >= 1e9 ? n / 1e9 : n / 1e6;
        String s = String.format(Locale.ROOT, "%.3g", v);
        if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + (n >= 1e12 ? "T" : n >= 1e9 ? "B" : "M");
    }

    /**
     * One or two lines for the start of a training run: what the run costs by the plan. {@code checkpointed}: the run
     * recomputes activations.
     */
    static String summary(Plan p, boolean checkpointed) {
        long act = checkpointed ? p.checkpointedActivationBytes(Plan.Precision.FP32, true)
                : p.activationBytes(Plan.Precision.FP32, true);
        long state = p.weightBytes(Plan.Precision.FP32) + p.gradientBytes(Plan.Precision.FP32) + p.adamWBytes();
        return String.format(Locale.ROOT, "plan: %s parameters (%s embeddings), %s trainable; fp32 weights, gradients"
                        + " and AdamW state %s, activations ~%s at %d x %d%s%n"
                        + "plan: %s FLOPs (6ND) for %s tokens, %.3g per parameter (Chinchilla-optimal: 20, %s tokens)",
                TrainingRun.count(p.parameters()), TrainingRun.count(p.embeddingParameters()),
                TrainingRun.count(p.trainableParameters()), bytes(state), bytes(act), p.batch(), p.seq(),
                checkpointed ? " (checkpointed)" : "", sci(p.trainingFlops()), tokensText(p.tokens()),
                (double) p.tokens() / p.parameters(), tokensText(p.chinchillaTokens()));
    }

    /**
     * The plan's two lines at the start of a training run: {@code full}, or the model's trainable tensors over a frozen
     * base ({@code nf4Base}: a quantized one). Nothing for a family the plan does not count.
     */
    static void printRunPlan(CausalLm model, boolean full, boolean nf4Base, TrainConfig cfg, PrintStream o) {
        long tokens = (long) cfg.steps() * cfg.tokensPerStep();
        Plan p;
        try {
            if (full) p = Plan.of(model.config(), Plan.Method.FULL, 0, cfg.batch(), cfg.seq(), tokens);
            else {
                List<Long> trainable = new ArrayList<>();
                for (cortado.nn.Parameter q : model.module().namedParameters().values())
                    if (q.trainable()) trainable.add((long) q.numel());
                p = Plan.withTrainable(model.config(), nf4Base ? Plan.Method.QLORA : Plan.Method.LORA, trainable,
                        cfg.batch(), cfg.seq(), tokens);
            }
        } catch (IllegalArgumentException e) {
            return;
        }
        o.println(summary(p, cfg.checkpointActivations()));
    }

    /**
     * Times {@link #MEASURED_STEPS} training steps of the planned model (random weights, random tokens, the plan's
     * method) after a warm-up step, and turns the median throughput into the time the plan's tokens would take.
     */
    static void measure(Plan p, long seed, PrintStream o) {
        long need = p.totalBytes(Plan.Precision.FP32, false);
        long max = Runtime.getRuntime().maxMemory();
        if (need > max * 0.8)
            throw new CliException(String.format(Locale.ROOT, "--measure: training this model in fp32 needs about %s"
                    + " (the plan above), and this JVM may use %s; plan a smaller --batch or --seq, or give Java more"
                    + " memory (JAVA_OPTS=-Xmx...)", bytes(need), bytes(max)));
        CausalLm model = Models.create(p.config(), seed);
        if (p.method() == Plan.Method.QLORA) ModelQuantizer.quantize(model, FinetuneSetup.QLORA_BASE);
        if (p.method() != Plan.Method.FULL)
            PeftModel.wrap(model, PeftMethods.config("lora", new PeftMethods.Options(p.rank(), null, null, null, false,
                    null, null)), seed);
        int vocab = p.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] ids = new int[Math.max(4 * p.batch() * (p.seq() + 1), 2 * (p.seq() + 1))];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(vocab);
        TrainConfig cfg = new TrainConfig(MEASURED_STEPS + 20, p.batch(), p.seq(), 1e-4f, 0, "constant", 0f, 1f, 1, 0, 1,
                seed, false, 0);
        Trainer trainer = new Trainer(model, cfg, TokenData.of(ids, "random tokens"), null);
        double[] tps = new double[MEASURED_STEPS];
        try {
            // Warm-up (the JIT, the step arena's first allocations): two steps, more while under two seconds.
            long t0 = System.nanoTime();
            for (int i = 0; i < 2 || i < 20 && System.nanoTime() - t0 < 2_000_000_000L; i++) trainer.step();
            for (int i = 0; i < MEASURED_STEPS; i++) {
                StepMetrics m = trainer.step();
                tps[i] = m.tokensPerSecond();
            }
        } finally {
            trainer.optimizer().close();
        }
        double[] sorted = tps.clone();
        Arrays.sort(sorted);
        double median = sorted[MEASURED_STEPS / 2];
        List<String> each = new ArrayList<>();
        for (double t : tps) each.add(String.format(Locale.ROOT, "%.0f", t));
        o.println();
        o.printf(Locale.ROOT, "measured on this machine (%d threads, fp32): %.0f tokens/s, median of %d steps at %d x %d"
                        + " (%s) after warming up%n", Parallel.threads(), median, MEASURED_STEPS, p.batch(), p.seq(),
                String.join(", ", each));
        o.printf(Locale.ROOT, "  D = %s tokens would take %s%s%n", tokensText(p.tokens()), duration(p.tokens() / median),
                p.tokens() == p.chinchillaTokens() ? "" : "; Chinchilla's " + tokensText(p.chinchillaTokens()) + ", "
                        + duration(p.chinchillaTokens() / median));
    }

    /** "3 h 12 min", "41 days". */
    static String duration(double seconds) {
        if (seconds < 120) return String.format(Locale.ROOT, "%.0f s", seconds);
        if (seconds < 7200) return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        if (seconds < 3 * 86400) return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
        if (seconds < 3 * 365.25 * 86400) return String.format(Locale.ROOT, "%.0f days", seconds / 86400);
        return String.format(Locale.ROOT, "%.0f years", seconds / (365.25 * 86400));
    }
}
