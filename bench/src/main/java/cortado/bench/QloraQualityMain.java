package cortado.bench;

import cortado.cli.DemoQa;
import cortado.cli.QaEval;
import cortado.cli.QaFinetune;
import cortado.cli.QaFinetune.Method;
import cortado.cli.QaFinetune.Recipe;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraInit;
import cortado.tensor.Parallel;
import cortado.train.AdamW;
import cortado.train.ParamGroups;
import cortado.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 9's quality claim at small scale (the QLoRA paper's: 4-bit base + LoRA matches 16-bit fine-tuning): the demo
 * model after its pretraining, fine-tuned on the demo's question set three ways from the same checkpoint (every
 * weight, LoRA r=8 on every linear layer over the fp32 base, QLoRA: the same LoRA over NF4 + double-quantized layers;
 * both adapters train the norms too, as the demo's recipe does), each for the same steps on the same completion-only
 * batches. Prints one row per method: held-out answer loss and
 * exact match before and after, wall time, trainable parameters; then LoRA's loss over full fine-tuning's (target: at
 * most 1.05) and QLoRA's over LoRA's (at most 1.02).
 *
 * <p>Learning rates are per method, as is usual (adapters want a higher one than full fine-tuning). {@code --tune}
 * chooses them without looking at the held-out set: it holds out the last 10% of the training stories as a
 * development set, trains on the rest with each rate of a grid, and prints the development loss of each.
 *
 * <p>Usage (bench/compare/qlora_quality.sh runs both): {@code java --add-modules jdk.incubator.vector -cp
 * bench/target/benchmarks.jar cortado.bench.QloraQualityMain --model runs/demo/checkpoint [--steps 300] [--threads 2]
 * [--methods full,lora,qlora] [--seed 1337] [--alpha 32] [--dropout 0] [--norms true] [--lr-full 1e-3] [--lr-lora 3e-3]
 * [--lr-qlora 3e-3] [--targets c_attn,c_proj,...] [--init pissa|olora|gaussian] [--dora true] [--rslora true] [--lora-plus RATIO] [--tune true
 * [--grid-full 3e-4,1e-3] [--grid-lora ...] [--grid-qlora ...] [--grid-adapter ALPHA:DROPOUT,...]]}
 */
public final class QloraQualityMain {
    private record Row(Method method, float lr, long trainable, long all, QaEval.Result before, QaEval.Result after,
                       double seconds) {}

    /** LoRA+'s ratio of lora_B's learning rate to lora_A's (Hayou et al. 2024, who suggest 16); 0: plain LoRA. */
    private static float loraPlus = 0;
    /** Changes to the recipe's LoRA config: --init (init_lora_weights), --dora, --rslora, --targets. */
    private static java.util.function.UnaryOperator<LoraConfig> adjust = java.util.function.UnaryOperator.identity();

    public static void main(String[] args) throws Exception {
        Path model = null;
        int steps = 300;
        boolean tune = false;
        List<Method> methods = List.of(Method.values());
        Map<Method, float[]> grid = new LinkedHashMap<>(Map.of(Method.FULL, new float[] {3e-4f, 1e-3f, 3e-3f},
                Method.LORA, new float[] {1e-3f, 3e-3f, 1e-2f}, Method.QLORA, new float[] {1e-3f, 3e-3f, 1e-2f}));
        double alpha = 32, dropout = 0;
        boolean norms = true;
        long seed = 1337;
        List<double[]> adapterGrid = List.of();
        Map<Method, Float> lrs = new LinkedHashMap<>(Map.of(Method.FULL, 1e-3f, Method.LORA, 3e-3f, Method.QLORA, 3e-3f));
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException("flag " + args[i] + " needs a value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> model = Path.of(v);
                case "--steps" -> steps = Integer.parseInt(v);
                case "--threads" -> Parallel.setThreads(Integer.parseInt(v));
                case "--lr-full" -> lrs.put(Method.FULL, Float.parseFloat(v));
                case "--lr-lora" -> lrs.put(Method.LORA, Float.parseFloat(v));
                case "--lr-qlora" -> lrs.put(Method.QLORA, Float.parseFloat(v));
                case "--tune" -> tune = Boolean.parseBoolean(v);
                case "--alpha" -> alpha = Double.parseDouble(v);
                case "--dropout" -> dropout = Double.parseDouble(v);
                case "--norms" -> norms = Boolean.parseBoolean(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--lora-plus" -> loraPlus = Float.parseFloat(v);
                case "--init" -> { LoraInit init = LoraInit.fromJson(v, "--init"); adjust = andThen(adjust, c -> c.withInit(init, null)); }
                case "--dora" -> { boolean on = Boolean.parseBoolean(v); adjust = andThen(adjust, c -> c.withDora(on)); }
                case "--targets" -> { String[] t = v.split(","); adjust = andThen(adjust, c -> c.withTargets(TargetModules.of(t))); }
                case "--rslora" -> { boolean on = Boolean.parseBoolean(v); adjust = andThen(adjust, c -> c.withRslora(on)); }
                case "--grid-adapter" -> adapterGrid = java.util.Arrays.stream(v.split(",")).map(x -> {
                    String[] ad = x.split(":");
                    return new double[] {Double.parseDouble(ad[0]), Double.parseDouble(ad[1])};
                }).toList();
                case "--methods" -> methods = java.util.Arrays.stream(v.split(","))
                        .map(x -> Method.valueOf(x.trim().toUpperCase(Locale.ROOT))).toList();
                case "--grid-full" -> grid.put(Method.FULL, floats(v));
                case "--grid-lora" -> grid.put(Method.LORA, floats(v));
                case "--grid-qlora" -> grid.put(Method.QLORA, floats(v));
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (model == null) throw new IllegalArgumentException("--model DIR (the pretrained demo checkpoint) is required");
        Recipe base = new Recipe(Method.QLORA, steps, 8, QaFinetune.SEQ, 0f, Math.max(1, steps / 10), 8, alpha, dropout,
                norms, seed);
        DemoQa.Split qa = DemoQa.load();
        if (tune) {
            tune(model, base, qa.train(), grid, adapterGrid);
            return;
        }
        System.out.printf(Locale.ROOT, "%s: %d training pairs, %d held-out pairs (unseen stories), %d steps of %d "
                        + "examples, %d threads%n", model, qa.train().size(), qa.heldOut().size(), steps, base.batch(),
                Parallel.threads());
        List<Row> rows = new ArrayList<>();
        for (Method m : methods) {
            Row r = finetune(model, base.withMethod(m, lrs.get(m)), qa.train(), qa.heldOut());
            rows.add(r);
            System.out.printf(Locale.ROOT, "{\"method\": \"%s\", \"lr\": %s, \"trainable\": %d, \"all\": %d, "
                            + "\"loss_before\": %.4f, \"loss_after\": %.4f, \"exact_match_before\": %.4f, "
                            + "\"exact_match_after\": %.4f, \"seconds\": %.1f}%n", m.name().toLowerCase(Locale.ROOT),
                    r.lr(), r.trainable(), r.all(), r.before().loss(), r.after().loss(), r.before().exactMatch(),
                    r.after().exactMatch(), r.seconds());
        }
        System.out.println();
        System.out.println("| method | lr | trainable params | held-out loss before -> after | exact match before -> after "
                + "| wall time (s) |");
        System.out.println("|---|---|---|---|---|---|");
        for (Row r : rows)
            System.out.printf(Locale.ROOT, "| %s | %s | %,d of %,d (%.2f%%) | %.4f -> %.4f | %.1f%% -> %.1f%% | %.0f |%n",
                    r.method().name().toLowerCase(Locale.ROOT), r.lr(), r.trainable(), r.all(),
                    100.0 * r.trainable() / r.all(), r.before().loss(), r.after().loss(),
                    100 * r.before().exactMatch(), 100 * r.after().exactMatch(), r.seconds());
        if (rows.size() == 3)
            System.out.printf(Locale.ROOT, "%nLoRA / full held-out loss: %.4f (target <= 1.05); QLoRA / LoRA: %.4f "
                    + "(target <= 1.02)%n", rows.get(1).after().loss() / rows.get(0).after().loss(),
                    rows.get(2).after().loss() / rows.get(1).after().loss());
    }

    /** One fine-tuning from a fresh load of the checkpoint. */
    private static Row finetune(Path dir, Recipe recipe, List<DemoQa.Pair> train, List<DemoQa.Pair> eval) {
        CausalLm model = HfCheckpoint.load(dir);
        PeftModel peft = QaFinetune.prepare(model, recipe, null, adjust);
        long[] counts = peft != null ? peft.trainableAndAll() : new long[] {
                model.module().parameterCount(), model.module().parameterCount()};
        QaEval.Result before = QaEval.evaluate(model, eval, recipe.seq());
        Trainer t = loraPlus > 0 && peft != null
                // LoRA+ (Hayou et al. 2024): B learns at ratio x A's rate, as peft's create_loraplus_optimizer
                ? QaFinetune.trainer(model, recipe, DemoQa.examples(train), p -> new AdamW(p, AdamW.DEFAULT_BETA1,
                        AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS, new ParamGroups(0f,
                                List.of(new ParamGroups.Group("*lora_B*", loraPlus, Float.NaN)))))
                : QaFinetune.trainer(model, recipe, DemoQa.examples(train));
        long t0 = System.nanoTime();
        t.run(null, null, null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        QaEval.Result after = QaEval.evaluate(model, eval, recipe.seq());
        return new Row(recipe.method(), recipe.lr(), counts[0], counts[1], before, after, seconds);
    }

    private static java.util.function.UnaryOperator<LoraConfig> andThen(java.util.function.UnaryOperator<LoraConfig> a,
                                                                      java.util.function.UnaryOperator<LoraConfig> b) {
        return c -> b.apply(a.apply(c));
    }

    /** "1e-3,3e-3" -> the rates; "" -> none (the method is not tuned). */
    private static float[] floats(String list) {
        if (list.isBlank()) return new float[0];
        String[] parts = list.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Float.parseFloat(parts[i].trim());
        return out;
    }

    /** Learning rates chosen on a development split of the training stories (the held-out set is not read). */
    private static void tune(Path dir, Recipe base, List<DemoQa.Pair> train, Map<Method, float[]> grid,
                             List<double[]> adapterGrid) {
        int perStory = 7, stories = train.size() / perStory, dev = Math.round(stories * 0.1f);
        List<DemoQa.Pair> fit = train.subList(0, (stories - dev) * perStory), devSet = train.subList((stories - dev) * perStory, train.size());
        System.out.printf(Locale.ROOT, "tuning on %d pairs, development set %d pairs (the last %d training stories)%n",
                fit.size(), devSet.size(), dev);
        List<double[]> adapters = adapterGrid.isEmpty() ? List.of(new double[] {base.alpha(), base.dropout()}) : adapterGrid;
        for (Method m : Method.values())
            for (double[] ad : m == Method.FULL ? List.of(new double[] {base.alpha(), base.dropout()}) : adapters)
                for (float lr : grid.get(m)) {
                    Row r = finetune(dir, base.withMethod(m, lr).withAdapter(ad[0], ad[1], base.trainNorms()), fit, devSet);
                    System.out.printf(Locale.ROOT, "{\"method\": \"%s\", \"lr\": %s, \"alpha\": %s, \"dropout\": %s, "
                                    + "\"dev_loss\": %.4f, \"dev_exact_match\": %.4f, \"seconds\": %.1f}%n",
                            m.name().toLowerCase(Locale.ROOT), lr, ad[0], ad[1], r.after().loss(), r.after().exactMatch(),
                            r.seconds());
                }
    }
}
