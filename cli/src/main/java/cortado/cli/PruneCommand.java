package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.prune.Pruner;
import cortado.quant.prune.StructuredPruner;
import cortado.autograd.NoGrad;
import java.util.Map;
import cortado.train.TokenData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado prune}: magnitude (global or per layer) or 2:4 pruning of a checkpoint's projection weights, with a
 * per-layer sparsity report and validation perplexity before and after; or structured pruning of whole heads and MLP
 * neurons ({@link StructuredPruner}) into a smaller dense checkpoint of the same family, with its size, forward time
 * and perplexity beside the original's. Writes the pruned fp32 checkpoint.
 */
public final class PruneCommand implements Command {
    @Override public String name() { return "prune"; }

    @Override public String summary() { return "prune weights (magnitude, 2:4, or whole heads and neurons), report size and perplexity"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("prune", """
                Prunes the weights of every Linear / Conv1D projection (embeddings, norms, biases and lm_head stay
                dense): unstructured magnitude pruning to --sparsity, over all layers together (--scope global) or
                each layer alone (--scope layer), or 2:4 semi-structured pruning (two of every four consecutive input
                weights zeroed). Prints the sparsity of each layer and the validation perplexity before and after
                (on --data FILE, or the demo corpus' validation tail), and writes the pruned checkpoint to --out.
                --method structured removes whole units instead, so the checkpoint shrinks and runs faster: --heads F
                of each layer's key/value head groups (a key/value head with the query heads sharing it; llama,
                mistral, qwen2, qwen3) and --neurons F of each MLP's neurons (those families and gpt2), the same
                number in every layer, ranked by the L2 norm of their weights (--importance magnitude) or by weight
                norm times input-activation norm at the output projection over --calib-data (--importance
                calibration, Wanda's score summed per unit). It writes a smaller config.json (fewer heads, explicit
                head_dim, a narrower intermediate_size) that transformers loads, and prints parameters, file size and
                forward time before and after.""")
                .required("model", "DIR", "checkpoint directory (Hugging Face layout)")
                .option("method", "magnitude|2:4|structured", "pruning method", "magnitude")
                .option("heads", "F", "structured: the fraction of key/value head groups to remove per layer", "0")
                .option("neurons", "F", "structured: the fraction of MLP neurons to remove per layer", "0")
                .option("importance", "magnitude|calibration", "structured: how units are ranked", "magnitude")
                .option("calib-data", "FILE", "structured, calibration: text or .bin tokens run through the model", null)
                .option("sparsity", "S", "fraction of weights to zero, in [0, 1) (magnitude only)", "0.5")
                .option("scope", "global|layer", "magnitude threshold over all layers or per layer", "global")
                .option("skip", "NAMES", "comma-separated modules left dense", "lm_head")
                .option("data", "FILE", "validation data (text or .bin tokens); default: the demo corpus' tail", null)
                .option("seq", "T", "evaluation window length", "256")
                .required("out", "DIR", "output checkpoint directory")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        String method = a.choice("method", "magnitude", "2:4", "structured");
        if (method.equals("structured")) return structured(a);
        String scope = a.choice("scope", "global", "layer");
        double sparsity = a.nonNegativeReal("sparsity");
        if (!(sparsity < 1)) throw new UsageException("--sparsity must lie in [0, 1), got " + a.string("sparsity"));
        if (method.equals("2:4") && a.has("sparsity") && sparsity != 0.5)
            throw new UsageException("2:4 pruning has sparsity 0.5 by construction; drop --sparsity");
        int seq = a.positiveInt("seq");
        List<String> skip = Arrays.stream(a.string("skip").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        Path dir = Path.of(a.string("model")), out = Path.of(a.string("out"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such checkpoint directory");

        PrintStream o = System.out;
        CausalLm model = HfCheckpoint.load(dir);
        TokenData val = ValidationPerplexity.data(a.has("data") ? Path.of(a.string("data")) : null, model, dir);
        ValidationPerplexity.Result before = ValidationPerplexity.evaluate(model, val, seq, 8);

        List<Pruner.LayerReport> report = method.equals("2:4")
                ? Pruner.twoFour(model.module(), skip)
                : Pruner.magnitude(model.module(), sparsity, scope.equals("global") ? Pruner.Scope.GLOBAL
                        : Pruner.Scope.LAYER, skip);
        ValidationPerplexity.Result after = ValidationPerplexity.evaluate(model, val, seq, 8);

        o.printf(Locale.ROOT, "%-44s %12s %12s %9s%n", "layer", "weights", "zeros", "sparsity");
        long n = 0, z = 0;
        for (Pruner.LayerReport r : report) {
            o.printf(Locale.ROOT, "%-44s %12d %12d %8.2f%%%n", r.name(), r.numel(), r.zeros(), 100 * r.sparsity());
            n += r.numel();
            z += r.zeros();
        }
        long all = model.module().parameterCount();
        o.printf(Locale.ROOT, "%-44s %12d %12d %8.2f%%  (%.2f%% of all %d parameters)%n", "pruned layers", n, z,
                n == 0 ? 0 : 100.0 * z / n, 100.0 * z / all, all);
        o.printf(Locale.ROOT, "validation perplexity (%s, %d tokens): %.4f -> %.4f (%+.2f%%)%n", val.source(),
                before.tokens(), before.perplexity(), after.perplexity(),
                100 * (after.perplexity() / before.perplexity() - 1));
        HfCheckpoint.save(model, out);
        TokenizerFiles.copy(dir, out);
        o.println("wrote " + out);
        return Main.OK;
    }

    private static int structured(Args a) throws Exception {
        double heads = a.nonNegativeReal("heads"), neurons = a.nonNegativeReal("neurons");
        if (!(heads < 1) || !(neurons < 1))
            throw new UsageException("--heads and --neurons are fractions to remove, in [0, 1)");
        if (heads == 0 && neurons == 0) throw new UsageException("--method structured needs --heads F and/or --neurons F");
        String importance = a.choice("importance", "magnitude", "calibration");
        if (importance.equals("calibration") && !a.has("calib-data"))
            throw new UsageException("--importance calibration needs --calib-data FILE (tokens to measure activations on)");
        int seq = a.positiveInt("seq");
        Path spec = Path.of(a.string("model")), out = Path.of(a.string("out"));
        if (!Files.isDirectory(spec)) throw new CliException(spec + ": no such checkpoint directory");
        Path dir = PretrainCommand.modelDir(spec); // a run directory's checkpoint/ too
        CausalLm model = HfCheckpoint.load(dir);
        Map<String, Object> config = HfCheckpoint.readConfig(dir);
        StructuredPruner.Shape shape;
        try {
            shape = StructuredPruner.shape(config);
        } catch (IllegalArgumentException e) {
            throw new CliException(dir.resolve(HfCheckpoint.CONFIG) + ": " + e.getMessage());
        }
        if (heads > 0 && shape.family().equals("gpt2")) throw new UsageException(StructuredPruner.GPT2_HEADS);
        int keepGroups = shape.kvHeads() - (int) Math.round(heads * shape.kvHeads());
        int keepNeurons = shape.intermediate() - (int) Math.round(neurons * shape.intermediate());
        if (keepGroups < 1) throw new UsageException("--heads " + heads + " would remove every key/value group");
        if (keepNeurons < 1) throw new UsageException("--neurons " + neurons + " would remove every neuron");
        TokenData val = ValidationPerplexity.data(a.has("data") ? Path.of(a.string("data")) : null, model, dir);
        ValidationPerplexity.Result before = ValidationPerplexity.evaluate(model, val, seq, 8);
        Map<String, double[]> activations = null;
        if (importance.equals("calibration")) {
            TokenData calib = ValidationPerplexity.data(Path.of(a.string("calib-data")), model, dir);
            activations = StructuredPruner.recordInputNorms(model.module(), shape,
                    m -> ValidationPerplexity.evaluate(model, calib, seq, 8));
        }
        StructuredPruner.Kept kept;
        try {
            kept = StructuredPruner.choose(model.module(), shape, keepGroups, keepNeurons,
                    importance.equals("calibration") ? StructuredPruner.Importance.CALIBRATION
                            : StructuredPruner.Importance.MAGNITUDE, activations);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        CausalLm pruned = StructuredPruner.save(model, shape, kept, out);
        TokenizerFiles.copy(dir, out);
        ValidationPerplexity.Result after = ValidationPerplexity.evaluate(pruned, val, seq, 8);

        PrintStream o = System.out;
        for (String line : StructuredPruner.summary(shape, kept)) o.println(line);
        long p0 = model.module().parameterCount(), p1 = pruned.module().parameterCount();
        long f0 = 0, f1 = Files.size(out.resolve(HfCheckpoint.WEIGHTS));
        for (Path f : new java.util.HashSet<>(HfCheckpoint.weightFiles(dir).values())) f0 += Files.size(f);
        double t0 = forwardSeconds(model, seq), t1 = forwardSeconds(pruned, seq);
        o.printf(Locale.ROOT, "parameters: %d -> %d (%.1f%%)%n", p0, p1, 100.0 * p1 / p0);
        o.printf(Locale.ROOT, "weights on disk: %.2f MB -> %.2f MB (fp32)%n", f0 / 1e6, f1 / 1e6);
        o.printf(Locale.ROOT, "forward of 4 x %d tokens, median of 5: %.1f ms -> %.1f ms (%.2fx)%n",
                Math.min(seq, model.config().maxPositions()), 1e3 * t0, 1e3 * t1, t0 / t1);
        o.printf(Locale.ROOT, "validation perplexity (%s, %d tokens): %.4f -> %.4f (%+.2f%%)%n", val.source(),
                before.tokens(), before.perplexity(), after.perplexity(),
                100 * (after.perplexity() / before.perplexity() - 1));
        o.println("wrote " + out);
        return Main.OK;
    }

    /** Median seconds of a no-grad forward pass over 4 windows of {@code seq} tokens (after one warm-up pass). */
    private static double forwardSeconds(CausalLm model, int seq) {
        int t = Math.min(seq, model.config().maxPositions()), b = 4;
        int[] ids = new int[b * t];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 31 + 7) % model.config().vocabSize();
        double[] s = new double[6];
        try (NoGrad g = NoGrad.enter()) {
            for (int r = 0; r < s.length; r++) {
                long start = System.nanoTime();
                model.forward(ids, b, t);
                s[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        double[] timed = Arrays.copyOfRange(s, 1, s.length);
        Arrays.sort(timed);
        return timed[timed.length / 2];
    }
}
