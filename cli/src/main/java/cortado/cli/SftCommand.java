package cortado.cli;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.TokenizerConfig;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.Batches;
import cortado.train.PackedRow;
import cortado.train.SftExample;
import cortado.train.SftJsonl;
import cortado.train.SftPacking;
import cortado.train.SftTokenization;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code cortado sft}: supervised fine-tuning on prompt/completion, messages, Alpaca or ShareGPT JSONL, with TRL
 * 1.13's labels (completion-only or assistant-only loss) and packing, through the finetune command's methods and run
 * ({@link FinetuneSetup}).
 */
public final class SftCommand implements Command {
    /** TRL's SFTConfig.max_length default. */
    static final int TRL_MAX_LENGTH = 1024;

    @Override public String name() { return "sft"; }

    @Override public String summary() { return "supervised fine-tuning on chat or prompt/completion JSONL, as TRL's SFTTrainer"; }

    static Args args() {
        Args a = new Args("sft", """
                Supervised fine-tuning of a causal language model (a Hugging Face checkpoint directory) on JSONL
                examples, prepared as TRL 1.13's SFTTrainer prepares them. One layout per file:
                  {"prompt": "...", "completion": "..."}   text; EOS appended to the completion
                  {"prompt": [messages], "completion": [messages]}   rendered with the chat template
                  {"messages": [{"role": ..., "content": ...}, ...]}
                  {"instruction": ..., "input": ..., "output": ...}   Alpaca: Stanford Alpaca's prompt text
                  {"conversations": [{"from": ..., "value": ...}, ...]}   ShareGPT: human/gpt/system as user/assistant/system
                --loss completion scores only the completion (prompt/completion rows, TRL's completion_only_loss) or
                only the assistant's turns (messages, TRL's assistant_only_loss: the chat template's
                {% generation %} blocks; a template without them is refused); --loss all scores every token.
                Examples are cut to --max-length tokens (TRL's keep_start; those left with nothing to score are
                dropped), or with --packing packed into rows of --max-length: bfd (best-fit decreasing, TRL's
                default; position ids restart with each example and attention never crosses examples) or wrapped
                (cut every --max-length tokens across examples, attention across them, as TRL's). Methods:
                """ + FinetuneMethods.help() + """
                Prints PEFT's trainable-parameter line, then a progress line per step; writes OUT/metrics.jsonl,
                OUT/loss.png, OUT/checkpoint (for --resume) and the adapter in OUT (PEFT's format for lora, qlora and
                ia3; cortado generate and chat take it with --adapter OUT), or with full the model in OUT/checkpoint.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .required("data", "FILE.jsonl", "the training examples");
        return TrainingOptions.declare(FinetuneSetup.declare(a), TrainingOptions.FINETUNE)
                .option("tokenizer", "PATH", "the tokenizer (and, when a directory, its tokenizer_config.json); default:"
                        + " the model directory's own", null)
                .option("chat-template", "FILE", "a Jinja chat template file; default: the tokenizer's"
                        + " (chat_template.jinja or tokenizer_config.json)", null)
                .option("loss", "completion|all", "which tokens are scored (see above)", "completion")
                .option("max-length", "N", "tokens per example or packed row; default: TRL's 1024, or the model's"
                        + " positions when fewer", null)
                .flag("packing", "pack examples into rows of --max-length (TRL's packing=True)")
                .option("packing-strategy", "bfd|wrapped", "how --packing packs", "bfd");
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        SftTokenization.Loss loss = a.choice("loss", "completion", "all").equals("completion")
                ? SftTokenization.Loss.COMPLETION : SftTokenization.Loss.ALL;
        SftPacking.Strategy strategy = a.choice("packing-strategy", "bfd", "wrapped").equals("bfd")
                ? SftPacking.Strategy.BFD : SftPacking.Strategy.WRAPPED;
        if (a.has("packing-strategy") && !a.bool("packing"))
            throw new UsageException("--packing-strategy applies with --packing");
        Integer maxLengthFlag = a.has("max-length") ? a.positiveInt("max-length") : null;
        Path dataFile = Path.of(a.string("data"));
        SftJsonl.Data data = SftJsonl.load(dataFile);   // bad rows are reported before the model loads

        PrintStream o = System.out;
        long seed = a.longValue("seed");
        FinetuneSetup.Prepared p = FinetuneSetup.prepare(a, seed, o);
        CausalLm model = p.model();
        int positions = model.config().maxPositions();
        int maxLength = maxLengthFlag != null ? maxLengthFlag : Math.min(TRL_MAX_LENGTH, positions);
        if (maxLength > positions)
            throw new UsageException("--max-length " + maxLength + " exceeds the model's " + positions + " positions");

        Path tokenizerPath = a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null;
        Tokenizer tok = ModelTokenizer.forModel(model, tokenizerPath, p.dir());
        if (tok == null)
            throw new CliException(p.dir() + ": no tokenizer files and the model is not byte-level; pass --tokenizer");
        Path configDir = tokenizerPath != null && Files.isDirectory(tokenizerPath) ? tokenizerPath : p.dir();
        TokenizerConfig config = hasConfig(configDir) ? TokenizerConfig.load(configDir) : null;
        ChatTemplate template = template(a, config, data.layout());
        String eos = config == null ? null : config.specialTokens().get("eos_token");
        List<SftExample> examples = new SftTokenization(tok, template, eos, tok.endOfTextId(), loss).encode(data);
        checkIds(examples, model.config().vocabSize(), dataFile);

        Batches batches;
        int seq, rows, dropped = 0;
        String shape;
        if (a.bool("packing")) {
            List<PackedRow> packed = SftPacking.pack(examples, maxLength, strategy);
            seq = maxLength;
            rows = packed.size();
            batches = Batches.packed(packed, a.positiveInt("batch"), seq, seed);
            shape = String.format(Locale.ROOT, "%d examples packed (%s) into %d rows of up to %d tokens",
                    examples.size(), strategy.name().toLowerCase(Locale.ROOT), rows, maxLength);
        } else {
            List<SftExample> kept = new ArrayList<>();
            for (SftExample e : examples) {
                SftExample cut = e.keepStart(maxLength);
                if (cut.scoresAny()) kept.add(cut);
                else dropped++;
            }
            if (kept.isEmpty())
                throw new CliException(dataFile + ": no example keeps a scored token within --max-length " + maxLength);
            int longest = kept.stream().mapToInt(SftExample::length).max().orElse(1);
            seq = longest;
            rows = kept.size();
            batches = Batches.sft(kept, a.positiveInt("batch"), seq, seed);
            shape = String.format(Locale.ROOT, "%d examples of up to %d tokens%s", rows, longest,
                    dropped == 0 ? "" : " (" + dropped + " dropped: nothing left to score within --max-length)");
        }
        TrainConfig cfg = TrainingOptions.config(a, seq, 0, 1, false);
        Files.createDirectories(p.out());   // a paged optimizer spills there
        Trainer trainer = new Trainer(model, cfg, batches, null, p.optimizer());
        String what = String.format(Locale.ROOT, "%s (%s, %s loss): %s", dataFile, layoutName(data.layout()),
                loss == SftTokenization.Loss.ALL ? "every-token" : data.layout() == SftJsonl.Layout.MESSAGES
                        || data.layout() == SftJsonl.Layout.SHAREGPT ? "assistant-only" : "completion-only", shape);
        FinetuneSetup.train(p, trainer, "sft (" + p.method().name() + ") " + dataFile, what, o);
        return Main.OK;
    }

    private static boolean hasConfig(Path dir) {
        return dir != null && (Files.isRegularFile(dir.resolve("tokenizer_config.json"))
                || Files.isRegularFile(dir.resolve("chat_template.jinja")));
    }

    /** The chat template for conversational layouts (none needed for text rows). */
    private static ChatTemplate template(Args a, TokenizerConfig config, SftJsonl.Layout layout) throws IOException {
        if (a.has("chat-template")) {
            Path f = Path.of(a.string("chat-template"));
            if (!Files.isRegularFile(f)) throw new CliException(f + ": no such file");
            ChatTemplate t = ChatTemplate.compile(Files.readString(f), f.toString());
            return config == null ? t : t.withDefaults(config.specialTokens());
        }
        boolean conversational = layout != SftJsonl.Layout.PROMPT_COMPLETION && layout != SftJsonl.Layout.ALPACA;
        if (!conversational) return null;
        if (config == null || config.templates().isEmpty())
            throw new CliException("the data holds conversations and the tokenizer has no chat template"
                    + " (tokenizer_config.json or chat_template.jinja); pass --chat-template FILE");
        return config.template();
    }

    private static void checkIds(List<SftExample> examples, int vocab, Path file) {
        for (SftExample e : examples)
            for (int id : e.inputIds())
                if (id < 0 || id >= vocab)
                    throw new CliException(file + ": token id " + id + " is outside the model's vocabulary of " + vocab);
    }

    private static String layoutName(SftJsonl.Layout l) {
        return l.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
