package cortado.cli;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.generate.Sampler;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code cortado demo}: pretrains the "demo" preset (a byte-level GPT-2) on the small corpus of simple stories and
 * facts inside the jar ({@code tools/corpus/make_demo_corpus.py} wrote it), showing a sample before and after, then
 * QLoRA fine-tunes it to answer questions about stories ({@link DemoFinetune}). Sized to finish in about three and a
 * half minutes on two cores.
 */
public final class DemoCommand implements Command {
    static final String CORPUS = "/cortado/demo/corpus.txt";
    static final String PROMPT = "Once upon a time";

    // The demo's training recipe, tuned so the whole run takes ~2.5 minutes on 2 cores. SEQ is the preset's full context
    // (256): positions never trained on would hold random embeddings and derail the sample once it grows past them.
    static final int STEPS = 750, BATCH = 8, SEQ = 256, WARMUP = 40, VAL_EVERY = 50, VAL_BATCHES = 8;
    static final float LR = 3e-3f, WEIGHT_DECAY = 0.1f, GRAD_CLIP = 1.0f;
    static final long SEED = 1337;

    @Override public String name() { return "demo"; }

    @Override public String summary() {
        return "pretrain a small GPT on text shipped in the jar, then QLoRA fine-tune it to answer questions";
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("demo", """
                Pretrains a small byte-level GPT-2 (the "demo" preset) on simple English stories and facts embedded in
                the jar, with a progress bar and periodic validation loss, then prints a sample from the trained model
                next to one from the untrained model. Writes OUT/metrics.jsonl, OUT/loss.png and the checkpoint
                OUT/checkpoint (Hugging Face layout; try: cortado generate --model OUT/checkpoint --prompt "Once").
                Then quantizes the model's linear layers to NF4 and trains LoRA adapters on them, and the layer
                norms (QLoRA), to answer questions about stories, showing held-out answers and exact match before
                and after; writes the adapter in PEFT's format to OUT/adapter.""")
                .option("out", "DIR", "output directory", "runs/demo")
                .option("steps", "N", "pretraining optimizer steps", Integer.toString(STEPS))
                .option("qlora-steps", "N", "fine-tuning steps (0: no fine-tuning)",
                        Integer.toString(DemoFinetune.RECIPE.steps()))
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path out = Path.of(a.string("out"));
        int steps = a.positiveInt("steps");
        int qloraSteps = a.nonNegativeInt("qlora-steps");
        PrintStream o = System.out;

        ByteTokenizer tok = new ByteTokenizer();
        String text = corpus();
        TokenData all = TokenData.of(tok.encode(text), "demo corpus");
        TokenData[] split = TrainingRun.splitTail(all, 0.1, SEQ);
        CausalLm model = Presets.create("demo", SEED);
        TrainConfig cfg = new TrainConfig(steps, BATCH, SEQ, LR, Math.min(WARMUP, steps / 10), "cosine", WEIGHT_DECAY,
                GRAD_CLIP, 1, Math.min(VAL_EVERY, Math.max(1, steps / 4)), VAL_BATCHES, SEED, false, 0);
        Trainer trainer = new Trainer(model, cfg, split[0], split[1]);

        o.printf(Locale.ROOT, "Cortado demo: a byte-level GPT-2 with %s parameters learns %s of simple English "
                        + "stories (embedded in the jar)%n", TrainingRun.count(model.module().parameterCount()),
                TrainingRun.count(text.length()) + " characters");
        o.printf(Locale.ROOT, "%d steps of %d x %d tokens, AdamW lr %s cosine, %d threads; writing %s%n%n",
                steps, BATCH, SEQ, LR, cortado.tensor.Parallel.threads(), out);
        float before = trainer.validate();
        o.printf(Locale.ROOT, "Before training (validation loss %.3f; %.3f is a uniform guess over 257 bytes):%n",
                before, Math.log(257));
        printSample(model, tok, o);

        TrainingRun.Result r = TrainingRun.run(trainer, out, -1, "cortado demo: byte-level GPT-2 on simple stories", o);

        o.printf(Locale.ROOT, "%nAfter %d steps (%.0f s; validation loss %.3f -> %.3f):%n", r.steps(), r.seconds(), before,
                r.lastValLoss());
        printSample(model, tok, o);
        o.println();
        o.println("wrote " + out.resolve(TrainingRun.METRICS_FILE) + ", " + out.resolve(TrainingRun.PLOT_FILE) + ", "
                + out.resolve(TrainingRun.CHECKPOINT_DIR) + "/");
        o.println("next: ./cortado generate --model " + out.resolve(TrainingRun.CHECKPOINT_DIR) + " --prompt \"Once upon\"");
        if (qloraSteps > 0) {
            o.println();
            DemoFinetune.run(model, DemoQa.load(), DemoFinetune.RECIPE.withSteps(qloraSteps),
                    out.resolve(TrainingRun.CHECKPOINT_DIR), out, o);
        }
        return Main.OK;
    }

    private static void printSample(CausalLm model, ByteTokenizer tok, PrintStream o) {
        o.print("  > " + PROMPT);
        String s = GenerateCommand.sample(model, tok, PROMPT, 200, new Sampler(0.6f, 0, 1f, SEED), null);
        o.println(printable(s).replace("\n", "\n    "));
        o.println();
    }

    /** The sample with control characters (an untrained model emits any byte, escapes included) shown as U+FFFD. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c != '\n' && Character.isISOControl(c) ? 0xFFFD : c));
        return b.toString();
    }

    static String corpus() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(CORPUS)) {
            if (in == null) throw new CliException("the demo corpus " + CORPUS + " is missing from the jar");
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
