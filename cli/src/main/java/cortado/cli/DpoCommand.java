package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.align.DpoLoss;
import cortado.train.align.PreferenceBatch;
import cortado.train.align.PreferenceJsonl;
import cortado.train.align.PreferenceLoss;
import cortado.train.align.PreferenceObjective;
import cortado.train.align.ReferenceFreeLoss;
import cortado.train.align.ReferenceModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cortado dpo}: preference alignment of a causal LM on {@code {"prompt", "chosen", "rejected"}} JSONL with
 * TRL 1.13's DPO losses ({@link DpoLoss}) or the reference-free ORPO, CPO and SimPO ({@link ReferenceFreeLoss}),
 * through the fine-tuning methods and run ({@link FinetuneSetup}) and the shared training loop ({@link Trainer} with
 * a {@link PreferenceObjective}).
 */
public final class DpoCommand implements Command {
    /** TRL's DPOConfig defaults: learning_rate 1e-6, beta 0.1, max_length 1024. */
    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("100", "4", "1e-6", "constant", "0",
            "100", "pairs", "the adapter initialization, dropout and the random pair order");
    static final String HELDOUT_FILE = "heldout_metrics.json";
    static final String[] LOSSES = {"sigmoid", "ipo", "robust", "hinge", "orpo", "cpo", "simpo"};

    @Override public String name() { return "dpo"; }

    @Override public String summary() { return "preference alignment (DPO, IPO, robust, hinge, ORPO, CPO, SimPO) on chosen/rejected JSONL, as TRL"; }

    static Args args() {
        Args a = new Args("dpo", """
                Direct preference optimization of a causal language model (a Hugging Face checkpoint directory) on
                JSONL pairs in TRL's text layouts: {"prompt", "chosen", "rejected"}, or {"chosen", "rejected"} with
                the prompt their longest common prefix. Each completion is scored by its summed log-probability
                (the tokens of prompt+completion after the prompt's, then EOS), against a reference: --ref-model, or
                else with an adapter method the same model with its adapters disabled (TRL's default with PEFT), or a
                frozen copy of --model (full fine-tuning and in-place methods). Losses (TRL 1.13's DPOTrainer, with
                h the chosen minus rejected log-ratio to the reference):
                  sigmoid  -log sigma(beta h)                          (DPO, Rafailov et al. 2023)
                  ipo      (h per token - 1/(2 beta))^2                (Azar et al. 2023)
                  robust   label-smoothed sigmoid, --label-smoothing   (Chowdhury et al. 2024)
                  hinge    max(0, 1 - beta h)                          (SLiC, Zhao et al. 2023)
                and without a reference (trl.experimental's ORPOTrainer and CPOTrainer; c, r the chosen and rejected
                log-probs, per-token averages for orpo and simpo):
                  orpo     NLL(chosen) - beta log sigma(log odds(c) - log odds(r))   (Hong et al. 2024)
                  cpo      -log sigma(beta (c - r)) + --cpo-alpha NLL(chosen)      (Xu et al. 2024)
                  simpo    -log sigma(beta (c - r) - --simpo-gamma)                (Meng et al. 2024)
                Methods:
                """ + FinetuneMethods.help() + """
                Writes OUT/metrics.jsonl (loss and TRL's rewards/chosen, rewards/rejected, rewards/accuracies,
                rewards/margins, logps/chosen, logps/rejected per step), OUT/loss.png, OUT/checkpoint (for --resume)
                and the adapter in OUT (with full, the model in OUT/checkpoint); with --val-data the same metrics on
                held-out pairs at the end in OUT/heldout_metrics.json.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .required("data", "FILE.jsonl", "the preference pairs");
        return TrainingOptions.declare(FinetuneSetup.declare(a), DEFAULTS)
                .option("beta", "B", "the KL strength beta (IPO's tau)", "0.1")
                .option("loss", String.join("|", LOSSES), "the preference loss (see above)", "sigmoid")
                .option("label-smoothing", "EPS", "robust, cpo, simpo: the assumed share of flipped labels, in [0, 0.5)", "0")
                .option("cpo-alpha", "A", "cpo, simpo: the weight of the chosen completions' NLL; default: 1 for cpo"
                        + " (TRL's), 0 for simpo (the SimPO paper's)", null)
                .option("simpo-gamma", "G", "simpo: the target reward margin (TRL's simpo_gamma)", "0.5")
                .option("ref-model", "DIR", "the reference model (the DPO family); default: see above", null)
                .option("tokenizer", "PATH", "the tokenizer; default: the model directory's own", null)
                .option("max-length", "N", "tokens per prompt+completion (longer ones cut at the end, TRL's"
                        + " keep_start); default: TRL's 1024, or the model's positions when fewer", null)
                .option("val-data", "FILE.jsonl", "held-out pairs, scored after training", null);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        String lossName = a.choice("loss", LOSSES);
        boolean referenceFree = List.of("orpo", "cpo", "simpo").contains(lossName);
        if (referenceFree && a.has("ref-model")) throw new UsageException("--ref-model: " + lossName + " has no reference");
        Object lossConfig = referenceFree ? freeConfig(a, lossName) : lossConfig(a, lossName);
        Integer maxLengthFlag = a.has("max-length") ? a.positiveInt("max-length") : null;
        Path dataFile = Path.of(a.string("data"));
        List<PreferenceJsonl.Pair> pairs = PreferenceJsonl.load(dataFile);   // bad rows before the model loads
        List<PreferenceJsonl.Pair> held = a.has("val-data") ? PreferenceJsonl.load(Path.of(a.string("val-data"))) : null;

        PrintStream o = System.out;
        long seed = a.longValue("seed");
        FinetuneSetup.Prepared p = FinetuneSetup.prepare(a, seed, o);
        CausalLm model = p.model();
        int positions = model.config().maxPositions();
        int maxLength = maxLengthFlag != null ? maxLengthFlag : Math.min(SftCommand.TRL_MAX_LENGTH, positions);
        if (maxLength > positions)
            throw new UsageException("--max-length " + maxLength + " exceeds the model's " + positions + " positions");
        Tokenizer tok = tokenizer(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, p.dir());
        int eos = tok.endOfTextId();

        PreferenceBatch all = encode(pairs, tok, eos, maxLength, dataFile);
        checkIds(all, model.config().vocabSize(), dataFile);
        PreferenceObjective objective = new PreferenceObjective(lossConfig instanceof DpoLoss.Config dc
                ? PreferenceLoss.dpo(dc, ReferenceChoice.choose(a, p, o, ReferenceModel::frozen, ReferenceModel::adaptersDisabled))
                : PreferenceLoss.referenceFree((ReferenceFreeLoss.Config) lossConfig));
        TrainConfig cfg = TrainingOptions.config(a, 2 * all.seq(), 0, 1, false);
        Files.createDirectories(p.out());   // a paged optimizer spills there
        Trainer trainer = new Trainer(model, cfg, all.pairRows(cfg.batch(), seed), null, p.optimizer(), objective);
        String what = String.format(Locale.ROOT, "%s: %d pairs of up to %d tokens each side (%s, beta %s)", dataFile,
                all.pairs(), all.seq(), lossName, (float) a.real("beta"));
        FinetuneSetup.train(p, trainer, "dpo (" + p.method().name() + ") " + dataFile, what, o);

        if (held != null)
            scoreHeldOut(held, Path.of(a.string("val-data")), tok, eos, maxLength, cfg.batch(), objective, model,
                    p.out(), trainer.completedSteps(), o);
        return Main.OK;
    }

    private static DpoLoss.Config lossConfig(Args a, String name) throws UsageException {
        DpoLoss.Type type = DpoLoss.Type.parse(name);
        if (a.has("label-smoothing") && type != DpoLoss.Type.ROBUST)
            throw new UsageException("--label-smoothing applies to --loss robust, cpo and simpo");
        for (String f : List.of("cpo-alpha", "simpo-gamma"))
            if (a.has(f)) throw new UsageException("--" + f + " does not apply to --loss " + name);
        try {
            return new DpoLoss.Config(type, (float) a.real("beta"), (float) a.nonNegativeReal("label-smoothing"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static ReferenceFreeLoss.Config freeConfig(Args a, String name) throws UsageException {
        ReferenceFreeLoss.Type type = ReferenceFreeLoss.Type.parse(name);
        if (type == ReferenceFreeLoss.Type.ORPO)
            for (String f : List.of("label-smoothing", "cpo-alpha", "simpo-gamma"))
                if (a.has(f)) throw new UsageException("--" + f + " does not apply to --loss orpo");
        if (type == ReferenceFreeLoss.Type.CPO && a.has("simpo-gamma"))
            throw new UsageException("--simpo-gamma applies to --loss simpo");
        float alpha = a.has("cpo-alpha") ? (float) a.nonNegativeReal("cpo-alpha")
                : type == ReferenceFreeLoss.Type.SIMPO ? 0f : 1f;
        try {
            return new ReferenceFreeLoss.Config(type, (float) a.real("beta"), (float) a.nonNegativeReal("label-smoothing"),
                    alpha, (float) a.real("simpo-gamma"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * The objective's metrics on held-out pairs, in batches of {@code batch} pairs, printed and written to
     * OUT/heldout_metrics.json.
     */
    static void scoreHeldOut(List<PreferenceJsonl.Pair> held, Path heldFile, Tokenizer tok, int eos, int maxLength,
                             int batch, PreferenceObjective objective, CausalLm model, Path out, int step,
                             PrintStream o) throws java.io.IOException {
        List<PreferenceBatch> chunks = new ArrayList<>();
        for (int i = 0; i < held.size(); i += batch)
            chunks.add(encode(held.subList(i, Math.min(held.size(), i + batch)), tok, eos, maxLength, heldFile));
        for (PreferenceBatch c : chunks) checkIds(c, model.config().vocabSize(), heldFile);
        Map<String, Double> m = objective.evaluate(model, chunks);
        StringBuilder line = new StringBuilder();
        for (String k : List.of("loss", "rewards/accuracies", "rewards/margins", "accuracy", "margin"))
            if (m.containsKey(k)) line.append(String.format(Locale.ROOT, ", %s %.4f", k, m.get(k)));
        o.printf(Locale.ROOT, "held-out %d pairs (%s)%s%n", held.size(), heldFile, line.toString().replaceFirst(",", ":"));
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("pairs", held.size());
        row.put("step", step);
        row.putAll(m);
        HeldOutFile.write(out, HELDOUT_FILE, row, o);
    }

    /** The model's tokenizer (or --tokenizer), which must have the end-of-text id that ends each completion. */
    static Tokenizer tokenizer(CausalLm model, Path explicit, Path dir) {
        Tokenizer tok = ModelTokenizer.forModel(model, explicit, dir);
        if (tok == null)
            throw new CliException(dir + ": no tokenizer files and the model is not byte-level; pass --tokenizer");
        if (tok.endOfTextId() < 0) throw new CliException("the tokenizer has no end-of-text token to end each completion with");
        return tok;
    }

    static PreferenceBatch encode(List<PreferenceJsonl.Pair> pairs, Tokenizer tok, int eos, int maxLength,
                                          Path file) {
        try {
            return PreferenceBatch.encode(pairs, tok, eos, maxLength);
        } catch (IllegalArgumentException e) {
            throw new CliException(file + ": " + e.getMessage());
        }
    }

    static void checkIds(PreferenceBatch b, int vocab, Path file) {
        for (int id : b.ids())
            if (id < 0 || id >= vocab)
                throw new CliException(file + ": token id " + id + " is outside the model's vocabulary of " + vocab);
    }
}
