package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.eval.LoglikelihoodScorer;
import cortado.eval.RequestEncoder;
import cortado.nn.models.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model side of {@code eval} and {@code eval robustness}: --model (with --adapter and --dtype), --tokenizer,
 * --batch, --max-length and --no-shared-prefix, declared once, then the model loaded and wrapped as lm-eval's HF
 * backend runs it.
 */
final class EvalModelOptions {
    /** A loaded model ready to score, with its results.json "config" entries. */
    record Loaded(CausalLm model, Path dir, LoglikelihoodScorer scorer, RequestEncoder encoder, Map<String, Object> config) {}

    private EvalModelOptions() {}

    static Args declare(Args a) {
        a.required("model", "DIR", "a Hugging Face checkpoint directory (fp32, 16-bit or quantized)")
                .option("batch", "N", "rows per forward pass; with shared prefixes, contexts per pass (their choices then run"
                        + " as one batch)", "8")
                .option("max-length", "T", "longest input; longer prompts lose their start (lm-eval's max_length); default: the model's positions", null)
                .option("tokenizer", "PATH", "tokenizer; default: the checkpoint's own", null)
                .flag("no-shared-prefix", "run every choice with its whole context, as lm-eval does, instead of running"
                        + " a document's context once for all its choices (same results to float rounding)");
        AdapterOption.declare(a);
        DtypeOption.declare(a);
        return a;
    }

    /** Checks the options that need no model (call before loading tasks). */
    static void check(Args a) throws UsageException {
        Path spec = Path.of(a.string("model"));
        if (!Files.isDirectory(spec)) throw new CliException(spec + ": no such model directory");
        a.positiveInt("batch");
        AdapterOption.parse(a);
    }

    static Loaded load(Args a) throws Exception {
        Path dir = PretrainCommand.modelDir(Path.of(a.string("model")));
        int batch = a.positiveInt("batch");
        CausalLm model = PretrainCommand.loadModel(dir.toString(), 0, DtypeOption.parse(a));
        int positions = model.config().maxPositions();
        int maxLength = a.has("max-length") ? a.positiveInt("max-length") : positions;
        if (maxLength > positions) throw new UsageException("--max-length " + maxLength + " exceeds the model's " + positions + " positions");
        AdapterOption.apply(model, a, System.err);
        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        if (tok == null) throw new CliException(dir + ": the model has no tokenizer; pass --tokenizer");
        int prefix = RequestEncoder.prefixTokenId(tok, dir);
        if (prefix < 0) throw new CliException(dir + ": the tokenizer has no BOS or EOS token to condition an empty context on");
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, batch, maxLength, !a.bool("no-shared-prefix"));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "cortado");
        config.put("model_args", "pretrained=" + dir + AdapterOption.parse(a).entrySet().stream()
                .map(e -> ",adapter=" + e.getKey() + ":" + e.getValue()).reduce("", String::concat) + ",dtype=" + a.string("dtype"));
        config.put("batch_size", batch);
        config.put("device", "cpu");
        config.put("max_length", maxLength);
        config.put("shared_prefix", !a.bool("no-shared-prefix"));
        return new Loaded(model, dir, scorer, new RequestEncoder(tok, prefix), config);
    }
}
