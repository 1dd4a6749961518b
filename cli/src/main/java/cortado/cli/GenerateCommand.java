package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.models.CausalLm;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** {@code cortado generate}: continues a prompt with a trained model, streaming the text as it is produced. */
public final class GenerateCommand implements Command {
    @Override public String name() { return "generate"; }

    @Override public String summary() { return "generate text from a checkpoint (greedy, temperature, top-k, top-p)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("generate", """
                Continues --prompt with a model: one forward pass over the prompt, then one token at a time with a KV
                cache. Temperature 0 is greedy decoding. Stops at --max-new-tokens or at the end-of-text token.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory (e.g. runs/demo/checkpoint) or a preset")
                .required("prompt", "TEXT", "the text to continue")
                .option("tokenizer", "PATH", "tokenizer (tokenizer.json, a directory, *.tiktoken); default: the"
                        + " checkpoint's own, or bytes for byte-level models", null)
                .option("max-new-tokens", "N", "tokens to generate", "200")
                .option("temperature", "X", "sampling temperature; 0 = greedy", "0.8")
                .option("top-k", "K", "sample among the K most likely tokens; 0 = all", "0")
                .option("top-p", "P", "nucleus sampling: the smallest set of tokens with probability >= P", "1.0")
                .option("seed", "S", "seed of the sampler", "1")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        int maxNew = a.nonNegativeInt("max-new-tokens");
        float temperature = (float) a.nonNegativeReal("temperature");
        int topK = a.nonNegativeInt("top-k");
        float topP = (float) a.real("top-p");
        if (!(topP > 0 && topP <= 1)) throw new UsageException("--top-p must lie in (0, 1], got " + a.string("top-p"));
        long seed = a.longValue("seed");

        String spec = a.string("model");
        CausalLm model = PretrainCommand.loadModel(spec, seed);
        Path dir = Files.isDirectory(Path.of(spec)) ? PretrainCommand.modelDir(Path.of(spec)) : null;
        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        if (tok == null)
            throw new CliException(spec + ": no tokenizer files with the model (vocabulary "
                    + model.config().vocabSize() + "); pass --tokenizer PATH");
        String prompt = a.string("prompt");
        System.out.print(prompt);
        System.out.flush();
        sample(model, tok, prompt, maxNew, new Sampler(temperature, topK, topP, seed), System.out);
        System.out.println();
        return Main.OK;
    }

    /**
     * Generates after {@code prompt}, printing the new text to {@code out} as it comes (not the prompt), and returns
     * it. An empty prompt starts from the end-of-text token.
     */
    static String sample(CausalLm model, Tokenizer tok, String prompt, int maxNew, Sampler sampler, PrintStream out) {
        int[] ids = tok.encode(prompt);
        int eot = tok.endOfTextId();
        if (ids.length == 0) {
            if (eot < 0) throw new CliException("the prompt is empty and the tokenizer has no end-of-text token");
            ids = new int[] {eot};
        }
        Streamer s = new Streamer(tok, out);
        int[] generated = new Generator(model).generate(ids, maxNew, sampler, eot >= 0 ? Set.of(eot) : Set.of(), s::accept);
        s.flush();
        return tok.decode(generated);
    }

    /**
     * Prints decoded text as tokens arrive. A token can end in the middle of a UTF-8 character (byte-level models
     * emit one byte at a time), so trailing replacement characters are held back until the next token completes them.
     */
    private static final class Streamer {
        private final Tokenizer tok;
        private final PrintStream out;
        private final java.util.List<Integer> ids = new java.util.ArrayList<>();
        private int printed; // chars already printed

        Streamer(Tokenizer tok, PrintStream out) {
            this.tok = tok;
            this.out = out;
        }

        void accept(int id) {
            if (id == tok.endOfTextId()) return;
            ids.add(id);
            String text = tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
            int end = text.length();
            while (end > printed && text.charAt(end - 1) == '\uFFFD' && text.length() - end < 3) end--;
            if (end > printed) {
                if (out != null) {
                    out.print(text.substring(printed, end));
                    out.flush();
                }
                printed = end;
            }
        }

        void flush() {
            String text = tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
            if (text.length() > printed && out != null) out.print(text.substring(printed));
            if (out != null) out.flush();
        }
    }
}
