package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.prune.Pruner;
import cortado.train.TokenData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado prune}: magnitude (global or per layer) or 2:4 pruning of a checkpoint's projection weights, with a
 * per-layer sparsity report and validation perplexity before and after; writes the pruned fp32 checkpoint.
 */
public final class PruneCommand implements Command {
    @Override public String name() { return "prune"; }

    @Override public String summary() { return "prune weights (magnitude or 2:4), report sparsity and perplexity"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("prune", """
                Prunes the weights of every Linear / Conv1D projection (embeddings, norms, biases and lm_head stay
                dense): unstructured magnitude pruning to --sparsity, over all layers together (--scope global) or
                each layer alone (--scope layer), or 2:4 semi-structured pruning (two of every four consecutive input
                weights zeroed). Prints the sparsity of each layer and the validation perplexity before and after
                (on --data FILE, or the demo corpus' validation tail), and writes the pruned checkpoint to --out.""")
                .required("model", "DIR", "checkpoint directory (Hugging Face layout)")
                .option("method", "magnitude|2:4", "pruning method", "magnitude")
                .option("sparsity", "S", "fraction of weights to zero, in [0, 1) (magnitude only)", "0.5")
                .option("scope", "global|layer", "magnitude threshold over all layers or per layer", "global")
                .option("skip", "NAMES", "comma-separated modules left dense", "lm_head")
                .option("data", "FILE", "validation data (text or .bin tokens); default: the demo corpus' tail", null)
                .option("seq", "T", "evaluation window length", "256")
                .required("out", "DIR", "output checkpoint directory")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        String method = a.choice("method", "magnitude", "2:4");
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
}
