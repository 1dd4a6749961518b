package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.SamplingParams;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.models.CausalLm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cortado chat --model DIR}: an interactive conversation on the terminal. Each turn renders the whole
 * conversation with the model's chat template (ready for the assistant's turn), generates until an end-of-sequence
 * token, and prints the reply as it is produced.
 */
public final class ChatCommand implements Command {
    @Override public String name() { return "chat"; }

    @Override public String summary() { return "chat with a model on the terminal, using its chat template"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = SamplingOptions.declare(new Args("chat", """
                An interactive chat: type a message and press Enter; the reply streams as the model writes it. The
                conversation is rendered with the checkpoint's chat template (tokenizer_config.json or
                chat_template.jinja) every turn, and a reply ends at the checkpoint's eos_token_id
                (generation_config.json, else config.json). /reset starts a new conversation, /exit (or end of input)
                quits. Turn i samples with seed + i.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory with a chat template")
                .option("system", "TEXT", "a system message to start every conversation with", null)
                .option("tokenizer", "PATH", "tokenizer (tokenizer.json, a directory, *.tiktoken); default: the"
                        + " checkpoint's own", null), "0.7");
        DtypeOption.declare(a);
        AdapterOption.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        int maxNew = a.nonNegativeInt("max-new-tokens");
        SamplingParams params = SamplingOptions.params(a);
        Path spec = Path.of(a.string("model"));
        if (!Files.isDirectory(spec)) throw new UsageException(spec + ": not a checkpoint directory");
        Path dir = PretrainCommand.modelDir(spec);
        AdapterOption.parse(a);   // usage errors before the model loads
        CausalLm model = PretrainCommand.loadModel(dir.toString(), params.seed(), DtypeOption.parse(a));
        model = AdapterOption.apply(model, a, System.err);
        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, dir);
        if (tok == null) throw new CliException(dir + ": no tokenizer files with the model; pass --tokenizer PATH");
        StoppingCriteria stop = new StoppingCriteria(maxNew, GenerateCommand.eosTokens(model, tok, dir),
                SamplingOptions.stops(a));
        PromptIds encoder = new PromptIds(tok, dir);
        encoder.template(); // a model without a template fails now, not after the first message

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<Map<String, Object>> messages = new ArrayList<>();
        if (a.has("system")) messages.add(message("system", a.string("system")));
        int turn = 0;
        int window = model.config().maxPositions();
        while (true) {
            out.print("> ");
            out.flush();
            String line = in.readLine();
            if (line == null || line.strip().equals("/exit")) break;
            if (line.isBlank()) continue;
            if (line.strip().equals("/reset")) {
                messages.subList(a.has("system") ? 1 : 0, messages.size()).clear();
                out.println("(new conversation)");
                continue;
            }
            messages.add(message("user", line));
            int[] ids = encoder.messages(messages, "the chat template");
            if (ids.length > window) {
                messages.removeLast();
                System.err.println("error: the conversation has " + ids.length + " tokens, more than the model's "
                        + "context window of " + window + " positions (/reset starts over)");
                continue;
            }
            Completion reply = GenerateCommand.stream(model, tok, ids, stop,
                    new Sampler(params.withSeed(params.seed() + turn++)), out);
            out.println();
            out.println();
            messages.add(message("assistant", reply.text()));
        }
        out.println();
        return Main.OK;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
