package cortado.cli;

import cortado.train.MetricsLog;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cortado peft-compare}: every method {@code finetune --method} accepts, full fine-tuning and the frozen base,
 * trained on the same question set for the same steps and measured side by side ({@link PeftTrial}, each in a JVM of
 * its own so the peak RSS is the method's; {@link PeftCompareTable} writes the table and chart).
 */
public final class PeftCompareCommand implements Command {
    /** Full fine-tuning's default rate, and every adapter's (QloraQualityMain's rates for full and LoRA). */
    static final String LR_FULL = "1e-3", LR_ADAPTER = "3e-3";

    @Override public String name() { return "peft-compare"; }

    @Override public String summary() {
        return "train every PEFT method (and full fine-tuning) on the same question set and budget; writes a table and chart";
    }

    static Args args() {
        return new Args("peft-compare", """
                Trains each --methods entry from the same --model on the same question set, for the same steps and
                batches, and measures it: trainable parameters and their share, peak RSS, median step time, tokens/s,
                held-out answer loss, held-out exact match (greedy answers), and the next-token loss on the
                pretraining corpus afterwards (how much the method forgets). The rows are frozen (the base, nothing
                trained), full (every weight) and then every --method of cortado finetune, each adapter with
                finetune's default flags. The question set is cortado demo's (questions about the openings of
                stories; the last 10% of the stories held out), or --data FILE in its format: blocks separated by a
                blank line, a story line, then "Q: ..." / "A: ..." line pairs. Examples are bytes (one token per UTF-8
                byte), as the demo model reads: --model must be byte-level (257+ tokens). Training is completion-only
                (the answer is scored), --batch rows of 256 positions (fewer where virtual tokens take some of the
                model's positions), cosine schedule with a tenth of the steps of warmup,
                gradients clipped at 1, AdamW without weight decay; --lr for every adapter, --lr-full for full.
                Each method runs in a child JVM (same java, flags and class path), whose VmHWM (/proc/self/status) is
                the peak RSS. Prints a line per method; writes OUT/table.md, OUT/table.csv, OUT/chart.png (exact match
                and trainable fraction per method), OUT/metrics.jsonl (one row per method) and OUT/runs/METHOD/
                (log.txt, the method's per-step metrics.jsonl). The tables are rewritten after each method, so an
                interrupted run keeps the rows it finished. A method with virtual tokens (prompt, multitask prompt,
                P- and prefix tuning) gets finetune's 20 unless the longest question and its answer would then pass
                the model's positions; then as many as fit, said under the table.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .option("data", "FILE", "question set in the demo's format; default: the demo's, embedded in the jar", null)
                .option("steps", "N", "optimizer steps per method", "300")
                .option("batch", "B", "rows of 256 positions per step", "8")
                .option("methods", "A,B,...", "rows, in order: " + String.join(",", allMethods())
                        + " (default: all)", null)
                .required("out", "DIR", "output directory")
                .option("lr", "X", "peak learning rate of every adapter method", LR_ADAPTER)
                .option("lr-full", "X", "peak learning rate of full fine-tuning", LR_FULL)
                .option("seed", "S", "seed for the adapter initialization and the data order", "1337")
                .option("held-out", "N", "score only the first N held-out pairs (0: all)", "0")
                .option("corpus", "FILE", "pretraining text for the forgetting loss (as bytes); default: the demo"
                        + " corpus's validation tail", null)
                .option("corpus-tokens", "N", "tokens of the corpus scored", "32768");
    }

    /** frozen, full, then finetune's methods in its order (but xlora). */
    static List<String> allMethods() {
        List<String> all = new ArrayList<>(List.of(PeftTrial.FROZEN));
        // X-LoRA needs trained LoRA experts to route, and the question set's greedy answers need a KV cache
        for (FinetuneMethods.Method m : FinetuneMethods.ALL) if (!m.name().equals("xlora")) all.add(m.name());
        return all;
    }

    /** finetune's --num-virtual-tokens default. */
    static final int DEFAULT_VIRTUAL_TOKENS = 20;

    /** Whether method {@code m} puts virtual tokens in front of the input (they take positions of the context). */
    static boolean takesVirtualTokens(String m) throws UsageException {
        return !m.equals(PeftTrial.FROZEN) && !m.equals("full")
                && FinetuneMethods.named(m).flags().contains("num-virtual-tokens");
    }

    static List<String> methods(String list) throws UsageException {
        if (list == null) return allMethods();
        List<String> out = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            String m = s.trim();
            if (!allMethods().contains(m))
                throw new UsageException("--methods: unknown method '" + m + "' (one of " + String.join(", ", allMethods())
                        + ")");
            if (out.contains(m)) throw new UsageException("--methods: '" + m + "' is listed twice");
            out.add(m);
        }
        return out;
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        List<String> methods = methods(a.has("methods") ? a.string("methods") : null);
        int steps = a.positiveInt("steps"), batch = a.positiveInt("batch");
        double lr = a.nonNegativeReal("lr"), lrFull = a.nonNegativeReal("lr-full");
        long seed = a.longValue("seed");
        int heldOut = a.nonNegativeInt("held-out"), corpusTokens = a.positiveInt("corpus-tokens");
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
        if (!Files.isDirectory(dir)) throw new CliException(a.string("model") + ": no such model directory");
        String data = a.has("data") ? a.string("data") : "-";
        DemoQa.Split qa = PeftTrial.questions(data);   // a malformed set fails here, once, not in every child
        String corpus = a.has("corpus") ? a.string("corpus") : "-";
        if (!corpus.equals("-") && !Files.isRegularFile(Path.of(corpus))) throw new CliException(corpus + ": no such file");
        int positions = cortado.nn.models.Models.config(cortado.nn.io.HfCheckpoint.readConfig(dir)).maxPositions();
        int needed = PeftTrial.positionsNeeded(qa);
        Path out = Path.of(a.string("out"));
        Files.createDirectories(out.resolve("runs"));
        PrintStream o = System.out;
        o.printf(Locale.ROOT, "peft-compare: %d methods on %s, %d steps of %d rows each; %s: %d training pairs, %d held-out pairs%s;"
                        + " %d threads; writing %s%n", methods.size(), dir, steps, batch, data.equals("-") ? "the demo's question set" : data,
                qa.train().size(), qa.heldOut().size(), heldOut > 0 ? " (first " + Math.min(heldOut, qa.heldOut().size()) + " scored)" : "",
                cortado.tensor.Parallel.threads(), out);

        List<PeftCompareRow> rows = new ArrayList<>();
        List<String> failed = new ArrayList<>(), notes = new ArrayList<>();
        String title = "peft-compare: " + dir.getFileName() + ", " + steps + " steps of " + batch + " x 256";
        long t0 = System.nanoTime();
        try (MetricsLog log = MetricsLog.create(out.resolve(TrainingRun.METRICS_FILE))) {
            for (int i = 0; i < methods.size(); i++) {
                String m = methods.get(i);
                Path runDir = out.resolve("runs").resolve(m);
                Files.createDirectories(runDir);
                List<String> trial = new ArrayList<>(List.of("--model", a.string("model"), "--data", data,
                        "--method", m.equals(PeftTrial.FROZEN) ? "lora" : m, "--out", runDir.toString(),
                        "--steps", Integer.toString(steps), "--batch", Integer.toString(batch), "--lr", Double.toString(m.equals("full") ? lrFull : lr),
                        "--seed", Long.toString(seed), "--held-out", Integer.toString(heldOut), "--corpus", corpus,
                        "--corpus-tokens", Integer.toString(corpusTokens),
                        "--threads", Integer.toString(cortado.tensor.Parallel.threads())));
                if (m.equals(PeftTrial.FROZEN)) trial.set(5, PeftTrial.FROZEN);
                if (takesVirtualTokens(m) && needed + DEFAULT_VIRTUAL_TOKENS > positions) {
                    // finetune's 20 virtual tokens and the longest example do not fit: as many as do
                    int fit = positions - needed;
                    if (fit < 1) {
                        failed.add(m);
                        o.printf(Locale.ROOT, "[%d/%d] %s failed: the longest example takes %d of the model's %d"
                                + " positions, leaving none for virtual tokens%n", i + 1, methods.size(), m, needed, positions);
                        continue;
                    }
                    trial.addAll(List.of("--num-virtual-tokens", Integer.toString(fit)));
                    notes.add(String.format(Locale.ROOT, "%s: %d virtual tokens, not %d: the longest example takes %d of"
                            + " the model's %d positions", m, fit, DEFAULT_VIRTUAL_TOKENS, needed, positions));
                    o.println(m + ": " + fit + " virtual tokens (" + DEFAULT_VIRTUAL_TOKENS + " and the longest example, "
                            + needed + " positions, pass the model's " + positions + ")");
                }
                long s0 = System.nanoTime();
                Map<String, Object> result;
                try {
                    result = PeftTrialProcess.run(trial, runDir.resolve("result.json"), runDir.resolve("log.txt"));
                } catch (CliException e) {
                    failed.add(m);
                    o.printf(Locale.ROOT, "[%d/%d] %s failed: %s%n", i + 1, methods.size(), m, e.getMessage());
                    continue;
                }
                PeftCompareRow r = PeftCompareRow.of(result);
                rows.add(r);
                Map<String, Object> line = new LinkedHashMap<>(result);
                line.put("trainable_pct", r.trainablePercent());
                log.logRow(line);
                o.printf(Locale.ROOT, "[%d/%d] %-16s trainable %s%%  peak RSS %.0f MB  step %s ms  held-out loss %.4f  exact"
                                + " match %.1f%%  corpus loss %.4f  (%.0f s)%n", i + 1, methods.size(), m,
                        PeftCompareTable.percent(r.trainablePercent()), r.peakRssMb(),
                        Double.isNaN(r.medianStepMs()) ? "-" : String.format(Locale.ROOT, "%.1f", r.medianStepMs()),
                        r.heldOutLoss(), 100 * r.exactMatch(), r.corpusLoss(), (System.nanoTime() - s0) / 1e9);
                PeftCompareTable.write(out, title, rows, notes);
            }
        }
        o.printf(Locale.ROOT, "done: %d of %d methods in %.0f s; wrote %s, %s, %s and %s%n", rows.size(), methods.size(),
                (System.nanoTime() - t0) / 1e9, out.resolve(PeftCompareTable.MARKDOWN), out.resolve(PeftCompareTable.CSV),
                out.resolve(PeftCompareTable.CHART), out.resolve(TrainingRun.METRICS_FILE));
        if (!failed.isEmpty())
            throw new CliException("these methods failed (their OUT/runs/METHOD/log.txt says why): " + String.join(", ", failed));
        return Main.OK;
    }
}
