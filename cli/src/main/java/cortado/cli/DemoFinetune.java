package cortado.cli;

import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.train.MetricsLog;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The demo's second stage: QLoRA fine-tunes the pretrained demo model to answer questions about stories it has not
 * seen ({@link DemoQa}), printing PEFT's trainable line, a few held-out questions answered before and after, and the
 * held-out exact-match rate and answer loss before and after. Writes the adapter in PEFT's format to OUT/adapter and
 * one metrics line per step to OUT/qlora_metrics.jsonl.
 */
final class DemoFinetune {
    static final String ADAPTER_DIR = "adapter", METRICS_FILE = "qlora_metrics.jsonl";
    /** The demo's recipe (cortado.bench.QloraQualityMain measures it against LoRA and full fine-tuning). */
    static final QaFinetune.Recipe RECIPE = new QaFinetune.Recipe(QaFinetune.Method.QLORA, 300, 8, QaFinetune.SEQ,
            3e-3f, 30, 8, 32, 0.0, true, 1337);
    /** Which held-out questions are shown: those about the first held-out story. */
    static final int SHOWN = 7;

    /** What the stage measured. */
    record Result(QaEval.Result before, QaEval.Result after, double seconds) {}

    private DemoFinetune() {}

    /**
     * Quantizes {@code model} in place, trains an adapter on {@code qa} by {@code recipe} and reports; the adapter
     * names {@code base} (the pretrained checkpoint directory, or null) as its base model.
     */
    static Result run(CausalLm model, DemoQa.Split qa, QaFinetune.Recipe recipe, Path base, Path out, PrintStream o)
            throws IOException {
        if (recipe.method() == QaFinetune.Method.FULL) throw new IllegalArgumentException("the stage trains an adapter");
        Files.createDirectories(out);
        o.printf(Locale.ROOT, "Fine-tuning with QLoRA: the model answers questions about the opening of a story "
                + "(%,d pairs; %,d more about unseen stories held out)%n", qa.train().size(), qa.heldOut().size());
        PeftModel peft = QaFinetune.prepare(model, recipe, base == null ? null : base.toString());
        o.printf(Locale.ROOT, "linear layers in NF4 with double quantization, LoRA r=%d alpha %.0f on each%s; %d steps of "
                        + "%d examples, lr %s; only the answers are scored%n", recipe.r(), recipe.alpha(),
                recipe.trainNorms() ? ", the norms trained too" : "", recipe.steps(), recipe.batch(), recipe.lr());
        o.println(peft.trainableLine());
        List<DemoQa.Pair> shown = qa.heldOut().subList(0, Math.min(SHOWN, qa.heldOut().size()));
        QaEval.Result before = QaEval.evaluate(model, qa.heldOut(), recipe.seq());
        o.printf(Locale.ROOT, "before: held-out exact match %.1f%%, answer loss %.3f%n", 100 * before.exactMatch(),
                before.loss());

        Trainer trainer = QaFinetune.trainer(model, recipe, DemoQa.examples(qa.train()));
        long t0 = System.nanoTime();
        try (MetricsLog log = MetricsLog.create(out.resolve(METRICS_FILE))) {
            ProgressBar bar = new ProgressBar(o, o == System.out && ProgressBar.isTerminal(), Math.max(1, recipe.steps() / 10));
            trainer.run(log, null, bar);
            bar.finish();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        QaEval.Result after = QaEval.evaluate(model, qa.heldOut(), recipe.seq());

        o.printf(Locale.ROOT, "%nAfter %d steps (%.0f s): held-out exact match %.1f%% -> %.1f%%, answer loss %.3f -> %.3f"
                        + "%n", recipe.steps(), seconds, 100 * before.exactMatch(), 100 * after.exactMatch(),
                before.loss(), after.loss());
        o.println("  a held-out story: " + shown.get(0).story());
        for (int i = 0; i < shown.size(); i++) {
            DemoQa.Pair p = shown.get(i);
            String now = after.answers().get(i);
            o.printf(Locale.ROOT, "  Q: %-36s before: %-24s after: %s%s%n", p.question(), quoted(before.answers().get(i)),
                    quoted(now), now.equals(p.answer()) ? "" : " (expected \"" + p.answer() + "\")");
        }
        Path adapter = out.resolve(ADAPTER_DIR);
        AdapterFiles.save(peft, adapter);
        o.println("wrote " + adapter + "/ (PEFT format) and " + out.resolve(METRICS_FILE));
        return new Result(before, after, seconds);
    }

    private static String quoted(String answer) { return '"' + DemoCommand.printable(answer) + '"'; }
}
