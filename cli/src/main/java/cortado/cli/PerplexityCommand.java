package cortado.cli;

import cortado.data.json.Json;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.JsonlText;
import cortado.train.TokenData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code cortado perplexity}: sliding-window perplexity of a model (with adapters) on a file; see {@link SlidingWindowPerplexity}. */
public final class PerplexityCommand implements Command {
    @Override public String name() { return "perplexity"; }

    @Override public String summary() { return "perplexity of a model (and adapters) on a file, transformers' sliding-window recipe"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("perplexity", """
                Prints {"perplexity": P, "tokens": N} for --data: windows of --seq tokens every --stride tokens, each
                scoring only the tokens the previous window did not, as transformers' guide "Perplexity of
                fixed-length models" computes it (batch of one, the guide's token weights). Text is tokenized as
                transformers' tokenizer(text) (the post-processor's BOS included); a .jsonl file is {"text": ...}
                documents, each followed by the end-of-text token; a .bin file is tokens.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory (fp32, 16-bit or quantized)")
                .required("data", "FILE", "text, .jsonl or a .bin token file")
                .option("seq", "T", "window length (max_length); default: the model's context", null)
                .option("stride", "S", "tokens the window moves by, 1..T; default: T/2", null)
                .option("tokenizer", "PATH", "tokenizer for text data; default: the checkpoint's own", null);
        AdapterOption.declare(a);
        DtypeOption.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path spec = Path.of(a.string("model"));
        if (!Files.isDirectory(spec)) throw new CliException(spec + ": no such model directory");
        Path dir = PretrainCommand.modelDir(spec);
        AdapterOption.parse(a);   // usage errors before the model loads
        CausalLm model = PretrainCommand.loadModel(dir.toString(), 0, DtypeOption.parse(a));
        int context = model.config().maxPositions();
        int seq = a.has("seq") ? a.positiveInt("seq") : context;
        if (seq > context) throw new UsageException("--seq " + seq + " exceeds the model's " + context + " positions");
        int stride = a.has("stride") ? a.positiveInt("stride") : Math.max(1, seq / 2);
        if (stride > seq) throw new UsageException("--stride " + stride + " is longer than the window (--seq " + seq + ")");
        model = AdapterOption.apply(model, a, System.err);

        Path file = Path.of(a.string("data"));
        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        TokenData data = isText(file) ? text(file, tok, model.config().vocabSize())
                : TokenData.load(file, tok, model.config().vocabSize());
        SlidingWindowPerplexity.Result r = SlidingWindowPerplexity.evaluate(model, data, seq, stride);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("perplexity", r.perplexity());
        json.put("tokens", r.tokens());
        System.out.println(Json.write(json));
        return Main.OK;
    }

    private static boolean isText(Path file) {
        String n = file.getFileName().toString();
        return !n.endsWith(".bin") && !JsonlText.isJsonl(file);
    }

    /** The whole file as transformers' {@code tokenizer(text)} encodes it (TokenData.load checks the file first). */
    private static TokenData text(Path file, Tokenizer tok, int vocab) throws IOException {
        if (!Files.isRegularFile(file)) return TokenData.load(file, tok, vocab);   // its "no such file" error
        if (tok == null) throw new CliException(file + ": text data needs a tokenizer and this model has none;"
                + " pass --tokenizer or tokens in a .bin file");
        TokenData.loadText(file, tok);   // UTF-8 and readability checks, with their messages
        String s = Files.readString(file, StandardCharsets.UTF_8);
        int[] ids = tok instanceof HfTokenizer hf ? hf.encodeForModel(s) : tok.encode(s);
        return TokenData.of(ids, file.toString());
    }
}
