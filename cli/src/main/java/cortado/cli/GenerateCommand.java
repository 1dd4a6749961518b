package cortado.cli;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.EosTokens;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.SamplingParams;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.generate.TextStream;
import cortado.nn.io.AtomicFiles;
import cortado.nn.models.CausalLm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code cortado generate}: continues one prompt, streaming the text as it is produced, or a JSONL file of prompts in
 * batches (left-padded, each row stopping on its own), writing one JSON line per prompt.
 */
public final class GenerateCommand implements Command {
    @Override public String name() { return "generate"; }

    @Override public String summary() { return "generate text from a checkpoint: one prompt, or a JSONL file in batches"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = SamplingOptions.declare(new Args("generate", """
                Continues --prompt with a model, streaming the text, or every line of --prompts FILE.jsonl in batches
                of --batch prompts decoded together, written to --out: each input line {"prompt": "..."} or
                {"messages": [{"role": ..., "content": ...}, ...]} (rendered with the model's chat template, ready for
                the assistant's turn) comes back with "completion" (the text, without the end-of-sequence token, cut
                before a stop string), "completion_ids" (the new token ids, an end-of-sequence token that stopped the
                row included) and "finish_reason" ("stop": an end-of-sequence token or a stop string; "length":
                --max-new-tokens). A plain prompt is encoded as transformers' tokenizer(text) (with the BOS its
                post-processor adds), a conversation as apply_chat_template(tokenize=True). Generation stops at
                the checkpoint's eos_token_id (generation_config.json, else config.json; the tokenizer's end-of-text
                token when neither names one). Temperature 0 is greedy decoding; prompt i of
                a file samples with seed + i, so the output does not depend on --batch.""")
                .required("model", "DIR", "a Hugging Face checkpoint directory (e.g. runs/demo/checkpoint), a GGUF file"
                        + " (F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K; its tokenizer and chat template from its metadata;"
                        + " --dtype does not apply) or a preset")
                .option("prompt", "TEXT", "the text to continue (printed with its continuation)", null)
                .option("prompts", "FILE", "JSONL input, one {\"prompt\": ...} or {\"messages\": ...} per line", null)
                .option("out", "FILE", "JSONL output for --prompts (written when all prompts are done)", null)
                .option("batch", "N", "prompts decoded together with --prompts", "8")
                .option("tokenizer", "PATH", "tokenizer (tokenizer.json, a directory, *.tiktoken); default: the"
                        + " checkpoint's own, or bytes for byte-level models", null), "0.8");
        DtypeOption.declare(a);
        AdapterOption.declare(a);
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        if (a.has("prompt") == a.has("prompts")) throw new UsageException("give either --prompt TEXT or --prompts FILE");
        if (a.has("prompts") && !a.has("out")) throw new UsageException("--prompts needs --out FILE");
        if (a.has("out") && !a.has("prompts")) throw new UsageException("--out goes with --prompts");
        int maxNew = a.nonNegativeInt("max-new-tokens");
        int batch = a.positiveInt("batch");
        SamplingParams params = SamplingOptions.params(a);
        List<String> stops = SamplingOptions.stops(a);

        String spec = a.string("model");
        AdapterOption.parse(a);   // usage errors before the model loads
        Path explicitTok = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        CausalLm model;
        Path dir = null;
        Tokenizer tok;
        PromptIds encoder;
        if (GgufModelFile.is(spec)) {
            GgufModelFile g = GgufModelFile.load(Path.of(spec), explicitTok);
            model = AdapterOption.apply(g.model(), a, System.err);
            tok = g.tokenizer();
            encoder = new PromptIds(tok, g.chatTemplate());
        } else {
            model = PretrainCommand.loadModel(spec, params.seed(), DtypeOption.parse(a));
            model = AdapterOption.apply(model, a, System.err);
            dir = Files.isDirectory(Path.of(spec)) ? PretrainCommand.modelDir(Path.of(spec)) : null;
            tok = ModelTokenizer.forModel(model, explicitTok, dir);
            encoder = new PromptIds(tok, dir);
        }
        if (tok == null)
            throw new CliException(spec + ": no tokenizer files with the model (vocabulary "
                    + model.config().vocabSize() + "); pass --tokenizer PATH");
        for (int id : params.logitBias().keySet())
            if (id >= model.config().vocabSize())
                throw new UsageException("--logit-bias names token " + id + ", outside the vocabulary [0, "
                        + model.config().vocabSize() + ")");
        StoppingCriteria stop = new StoppingCriteria(maxNew, eosTokens(model, tok, dir), stops);

        if (a.has("prompt")) {
            String prompt = a.string("prompt");
            System.out.print(prompt);
            System.out.flush();
            stream(model, tok, encoder.text(prompt, "the prompt"), stop, new Sampler(params), System.out);
            System.out.println();
            return Main.OK;
        }
        Path in = Path.of(a.string("prompts")), out = Path.of(a.string("out"));
        List<Map<String, Object>> lines = readPrompts(in);
        List<int[]> ids = new ArrayList<>();
        for (Map<String, Object> line : lines) ids.add(encodePrompt(in, line, model, encoder));
        StringBuilder written = new StringBuilder();
        model.module().eval();   // generation runs without dropout
        Generator generator = new Generator(model);
        for (int from = 0; from < lines.size(); from += batch) {
            int to = Math.min(lines.size(), from + batch);
            List<Sampler> samplers = new ArrayList<>();
            for (int i = from; i < to; i++) samplers.add(new Sampler(params.withSeed(params.seed() + i)));
            List<Completion> done = generator.generate(ids.subList(from, to), samplers, stop, tok, null);
            for (int i = from; i < to; i++) {
                Completion c = done.get(i - from);
                Map<String, Object> row = new LinkedHashMap<>(lines.get(i));
                row.remove(LINE_KEY);
                row.put("completion", c.text());
                List<Object> tokens = new ArrayList<>();
                for (int t : c.tokens()) tokens.add((long) t);
                row.put("completion_ids", tokens);
                row.put("finish_reason", c.finishReason().apiName());
                written.append(Json.write(row)).append('\n');
            }
        }
        AtomicFiles.write(out, written.toString().getBytes(StandardCharsets.UTF_8));
        System.err.println("wrote " + lines.size() + " completions to " + out);
        return Main.OK;
    }

    /** Where a prompt line came from, kept beside its object until the output is written. */
    private static final String LINE_KEY = "\u0000line";

    /** The JSON objects of the non-blank lines of {@code in}, each remembering its line number. */
    private static List<Map<String, Object>> readPrompts(Path in) {
        List<String> text;
        try {
            text = Files.readAllLines(in, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(in + ": cannot read: " + e.getMessage());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int n = 0; n < text.size(); n++) {
            if (text.get(n).isBlank()) continue;
            Map<String, Object> obj;
            try {
                obj = Json.parseObject(text.get(n));
            } catch (JsonException e) {
                throw new CliException(in + ":" + (n + 1) + ": not a JSON object: " + e.getMessage());
            }
            String where = in + ":" + (n + 1);
            if (obj.containsKey("messages") && obj.containsKey("prompt"))
                throw new CliException(where + ": give \"prompt\" or \"messages\", not both");
            if (obj.containsKey("messages") && !(obj.get("messages") instanceof List))
                throw new CliException(where + ": \"messages\" must be a list of {\"role\": ..., \"content\": ...}");
            if (!obj.containsKey("messages") && !(obj.get("prompt") instanceof String))
                throw new CliException(where + ": expected {\"prompt\": \"...\"} or {\"messages\": [...]}"
                        + (obj.containsKey("prompt") ? ", \"prompt\" is not a string" : ", found neither"));
            Map<String, Object> withLine = new LinkedHashMap<>(obj);
            withLine.put(LINE_KEY, (long) (n + 1));
            out.add(withLine);
        }
        if (out.isEmpty()) throw new CliException(in + ": no prompts (one JSON object per line)");
        return out;
    }

    private static int[] encodePrompt(Path in, Map<String, Object> line, CausalLm model, PromptIds encoder) {
        String where = in + ":" + line.get(LINE_KEY);
        int[] ids = line.containsKey("messages") ? encoder.messages((List<?>) line.get("messages"), where)
                : encoder.text((String) line.get("prompt"), where);
        int window = model.config().maxPositions();
        if (ids.length > window)
            throw new CliException(where + ": the prompt has " + ids.length + " tokens, more than the model's context"
                    + " window of " + window + " positions");
        return ids;
    }

    /** generation_config.json's or config.json's eos_token_id, else the tokenizer's end-of-text token. */
    static Set<Integer> eosTokens(CausalLm model, Tokenizer tok, Path dir) {
        return EosTokens.orEndOfText(model.config(), dir, tok);
    }

    /**
     * Generates after the prompt {@code ids}, printing the new text to {@code out} as it comes (may be null), and
     * returns the completion.
     */
    static Completion stream(CausalLm model, Tokenizer tok, int[] ids, StoppingCriteria stop, Sampler sampler,
                             PrintStream out) {
        int window = model.config().maxPositions();
        if (ids.length > window)
            throw new CliException("the prompt has " + ids.length + " tokens, more than the model's context window of "
                    + window + " positions");
        TextStream text = new TextStream(tok, stop.eosTokenIds(), stop.stopStrings());
        boolean wasTraining = model.module().isTraining();
        model.module().eval();   // generation runs without dropout (the demo samples between training runs)
        Completion c;
        try {
            c = new Generator(model).generate(List.of(ids), List.of(sampler), stop, tok, (row, token) -> {
                String s = text.accept(token);
                if (out != null && !s.isEmpty()) { out.print(s); out.flush(); }
            }).get(0);
        } finally {
            model.module().train(wasTraining);
        }
        String rest = text.finish();
        if (out != null) { out.print(rest); out.flush(); }
        return c;
    }

    /** {@link #stream} with the tokenizer's end-of-text token as the only stop (the demo's settings). */
    static String sample(CausalLm model, Tokenizer tok, String prompt, int maxNew, Sampler sampler, PrintStream out) {
        int eot = tok.endOfTextId();
        StoppingCriteria stop = new StoppingCriteria(maxNew, eot >= 0 ? Set.of(eot) : Set.of(), List.of());
        return stream(model, tok, new PromptIds(tok, (Path) null).text(prompt, "the prompt"), stop, sampler, out).text();
    }
}
