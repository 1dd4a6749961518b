package cortado.bench;

import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.Batches;
import cortado.train.SftExample;
import cortado.train.StepMetrics;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.TrainingObjective;
import cortado.train.align.DpoLoss;
import cortado.train.align.PreferenceBatch;
import cortado.train.align.PreferenceLoss;
import cortado.train.align.PreferenceObjective;
import cortado.train.align.ReferenceModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One step of the alignment recipes as {@code cortado sft} and {@code cortado dpo} run them, timed: the recipe's
 * {@link Trainer} (its step: arena, objective, backward, clip 1.0, AdamW, weight decay 0 as TRL's default) over the
 * recipe's batches and objective, on a randomly initialised preset:
 * <ul>
 *   <li>{@code sft}: {@link Batches#sft} rows of {@code --seq} tokens whose first quarter is the prompt (labels -100,
 *       TRL's completion_only_loss) and the default cross-entropy objective; {@code --method full} (TRL's SFTTrainer
 *       default) or {@code lora};</li>
 *   <li>{@code dpo}: {@code --batch} preference pairs, prompt+chosen and prompt+rejected each {@code --seq} tokens
 *       (half prompt), laid out by {@link PreferenceBatch#pairRows}, TRL's sigmoid loss at beta 0.1 under a
 *       {@link PreferenceObjective}; LoRA r on all linear layers, and the reference the same model with its adapters
 *       disabled ({@link ReferenceModel#adaptersDisabled}, TRL's reference with a PEFT model).</li>
 * </ul>
 * Cortado's side of bench/compare/align_step_vs_trl.sh (peer: align_step_trl.py, TRL's SFTTrainer and DPOTrainer).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.AlignStepMain
 * [--recipe sft|dpo] [--method full|lora] [--model gpt2-124m] [--threads 2] [--batch 4] [--seq 256] [--r 16]
 * [--steps 5] [--warmup 2]}. Prints one JSON line: the median step (Trainer.step's own time), its split (the
 * objective's forward and loss; for DPO the reference forward inside it; the rest is backward and the update), every
 * timed step, the median process CPU time of a step (all threads, user + system: on a loaded machine the wall clock
 * counts time the process waited for a core, CPU time does not; spinning pool threads count), and the steps' peak
 * resident set (VmHWM reset after the build, as {@link LoraStepMain}).
 */
public final class AlignStepMain {
    public static void main(String[] args) throws Exception {
        int threads = Runtime.getRuntime().availableProcessors(), batch = 4, seq = 256, steps = 5, warmup = 2, r = 16;
        String recipe = "dpo", method = null, preset = "gpt2-124m";
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--recipe" -> recipe = v;
                case "--method" -> method = v;
                case "--model" -> preset = v;
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batch" -> batch = Integer.parseInt(v);
                case "--seq" -> seq = Integer.parseInt(v);
                case "--r" -> r = Integer.parseInt(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (!List.of("sft", "dpo").contains(recipe)) throw new IllegalArgumentException("--recipe is sft or dpo");
        if (method == null) method = recipe.equals("dpo") ? "lora" : "full";
        if (!List.of("full", "lora").contains(method)) throw new IllegalArgumentException("--method is full or lora");
        if (recipe.equals("dpo") && !method.equals("lora"))
            throw new IllegalArgumentException("--recipe dpo is timed with LoRA (its reference is the adapters disabled)");
        cortado.tensor.Parallel.setThreads(threads);
        CausalLm model = LoraStepMain.build(preset, false);
        PeftModel peft = method.equals("lora")
                ? PeftModel.wrap(model, LoraConfig.of(r, 2.0 * r, TargetModules.allLinear()), 0) : null;
        int vocab = model.config().vocabSize();
        SplittableRandom rng = new SplittableRandom(1);
        Timed reference = new Timed(), objectiveTime = new Timed();
        Batches batches;
        TrainingObjective objective;
        int rowSeq;
        if (recipe.equals("sft")) {
            List<SftExample> examples = new ArrayList<>();
            int prompt = seq / 4;
            for (int e = 0; e < 4 * batch; e++) {
                int[] ids = randomIds(rng, seq, vocab), labels = ids.clone();
                Arrays.fill(labels, 0, prompt, CausalLm.IGNORE_INDEX);
                examples.add(new SftExample(ids, labels));
            }
            batches = Batches.sft(examples, batch, seq, 0);
            objective = TrainingObjective.CROSS_ENTROPY;
            rowSeq = seq;
        } else {
            int pairs = 4 * batch, prompt = seq / 2;
            int[] ids = new int[2 * pairs * seq], mask = new int[2 * pairs * seq];
            for (int row = 0; row < 2 * pairs; row++) {
                int[] p = row < pairs ? randomIds(rng, seq, vocab) : null;
                int[] own = randomIds(rng, seq, vocab);
                if (p == null) System.arraycopy(ids, (row - pairs) * seq, own, 0, prompt);   // the pair's prompt
                else System.arraycopy(p, 0, own, 0, prompt);
                System.arraycopy(own, 0, ids, row * seq, seq);
                Arrays.fill(mask, row * seq + prompt, (row + 1) * seq, 1);
            }
            PreferenceBatch all = new PreferenceBatch(ids, mask, pairs, seq);
            ReferenceModel disabled = ReferenceModel.adaptersDisabled(peft);
            ReferenceModel timedReference = b -> reference.time(() -> disabled.logProbs(b));
            batches = all.pairRows(batch, 0);
            objective = new PreferenceObjective(PreferenceLoss.dpo(new DpoLoss.Config(DpoLoss.Type.SIGMOID, 0.1f, 0f),
                    timedReference));
            rowSeq = 2 * seq;
        }
        TrainingObjective inner = objective;
        TrainingObjective timedObjective = new TrainingObjective() {
            @Override public Tensor loss(CausalLm m, Batches.Batch b) { return objectiveTime.time(() -> inner.loss(m, b)); }
            @Override public java.util.Map<String, Object> stepMetrics() { return inner.stepMetrics(); }
        };
        // TRL's TrainingArguments defaults: constant lr after no warmup here (the schedule does not change the work),
        // weight_decay 0.0, max_grad_norm 1.0.
        TrainConfig cfg = new TrainConfig(warmup + steps, batch, rowSeq, 1e-5f, 0, "constant", 0f, 1.0f, 1, 0, 1, 0,
                false, 0);
        Trainer trainer = new Trainer(model, cfg, batches, null, p -> new AdamW(p, 0f), timedObjective);
        long trainable = trainer.optimizer().parameterList().stream().mapToLong(Parameter::numel).sum();
        System.gc();
        boolean reset = LoraStepMain.resetPeakRss();
        List<Double> total = new ArrayList<>(), forward = new ArrayList<>(), ref = new ArrayList<>(),
                cpu = new ArrayList<>();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int s = 0; s < warmup + steps; s++) {
            reference.last = 0;
            long c0 = os.getProcessCpuTime();
            StepMetrics m = trainer.step();
            long c1 = os.getProcessCpuTime();
            if (s < warmup) continue;
            total.add(m.stepMillis());
            cpu.add((c1 - c0) / 1e6);
            forward.add(objectiveTime.last);
            ref.add(reference.last);
        }
        System.out.printf("{\"engine\": \"cortado\", \"recipe\": \"%s\", \"method\": \"%s\", \"model\": \"%s\", "
                        + "\"threads\": %d, \"batch\": %d, \"seq\": %d, \"r\": %d, \"trainable_params\": %d, "
                        + "\"median_step_ms\": %.1f, \"median_forward_ms\": %.1f, \"median_reference_forward_ms\": %.1f, "
                        + "\"median_backward_and_update_ms\": %.1f, \"median_step_cpu_ms\": %.1f, \"steps_ms\": %s, "
                        + "\"peak_rss_mib\": %.1f}%n",
                recipe, method, preset, threads, batch, seq, r, trainable, LoraStepMain.median(total),
                LoraStepMain.median(forward), LoraStepMain.median(ref),
                LoraStepMain.median(total) - LoraStepMain.median(forward), LoraStepMain.median(cpu),
                Arrays.toString(total.stream().mapToLong(Math::round).toArray()),
                reset ? LoraStepMain.procStatusMib("VmHWM:") : -1);
    }

    private static int[] randomIds(SplittableRandom rng, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rng.nextInt(vocab);
        return ids;
    }

    /** The milliseconds of the last timed call. */
    private static final class Timed {
        double last;

        <T> T time(java.util.function.Supplier<T> body) {
            long t0 = System.nanoTime();
            T out = body.get();
            last = (System.nanoTime() - t0) / 1e6;
            return out;
        }
    }
}
