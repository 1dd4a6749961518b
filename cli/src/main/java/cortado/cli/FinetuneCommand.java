package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.models.CausalLm;
import cortado.train.TokenData;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.io.PrintStream;

/**
 * {@code cortado finetune}: fine-tunes a Hugging Face model directory on text, token or JSONL data, either whole or
 * through PEFT adapters ({@link FinetuneMethods}), with the pretraining loop ({@link Trainer}, {@link TrainingRun}).
 */
public final class FinetuneCommand implements Command {
    @Override public String name() { return "finetune"; }

    @Override public String summary() { return "fine-tune a model directory: whole, or with a PEFT method (LoRA, QLoRA, AdaLoRA, IA3, LoHa, LoKr, VeRA, OFT, HRA, LN tuning, ...); writes a PEFT adapter"; }

    static Args args() {
        Args a = new Args("finetune", """
                Fine-tunes a causal language model (a Hugging Face checkpoint directory) with next-token cross-entropy
                and the --optimizer (AdamW by default). --data is UTF-8 text, JSONL ({"text": ...} per line; each
                document ends with the tokenizer's end-of-text token) tokenized with the model directory's tokenizer, or a token file (.bin,
                nanoGPT or llm.c). Methods:
                """ + FinetuneMethods.help() + """
                Prints PEFT's trainable-parameter line, then a progress line per step; writes OUT/metrics.jsonl,
                OUT/loss.png and OUT/checkpoint (for --resume: the adapter, or with full the whole model, plus the
                optimizer and trainer state). An adapter is written to OUT, in PEFT's format for every method but full and
                bitfit (adapter_config.json, adapter_model.safetensors: PeftModel.from_pretrained(base, OUT) loads it); cortado
                generate, chat, perplexity and merge take it with --adapter OUT. Full fine-tuning's model is
                OUT/checkpoint.

                With --head classify|tokens|qa|choice the model is a BERT directory (config.json, its tokenizer.json,
                weights optional) given a task head under transformers' names (BertForSequenceClassification,
                BertForTokenClassification, BertForQuestionAnswering, BertForMultipleChoice; a new head is initialized
                as transformers does, the encoder loaded from the directory) and trained in --epochs epochs on JSONL:
                classify {"text", "label"}; tokens {"tokens": [words], "labels": [one per word]} (first sub-token
                scored); qa SQuAD's {"question", "context", "answers": {"text": [..], "answer_start": [..]}} (one
                window, no doc_stride); choice {"question" or "context", "choices": [..], "label": i}. Labels may be
                strings or integers; their names go to config.json's id2label/label2id. --val-data (default: 10% of
                the rows held out) is scored after each epoch (one line per epoch in OUT/metrics.jsonl); the epoch with
                the best --metric is written to OUT/best (with best_metrics.json), the last to OUT/checkpoint (full: a
                Hugging Face model directory; lora: the adapter in PEFT's format with the head as modules_to_save).
                The recipe's defaults when not given: --lr 2e-5, --schedule linear, --batch 16, --method as given
                (full or lora only). OUT/checkpoint is also written every --save-every steps, with the optimizer,
                trainer and epoch state (the epochs' metrics, early stopping's count), so --resume continues a
                --head run exactly; give it the same --model and data.""")
                .required("model", "DIR", "the base: a Hugging Face checkpoint directory (or a run directory with checkpoint/)")
                .required("data", "FILE", "training data: text, .jsonl or a .bin token file");
        return TrainingOptions.declare(FinetuneSetup.declare(a), TrainingOptions.FINETUNE)
                .option("tokenizer", "PATH", "tokenizer for text and JSONL data; default: the model directory's own", null)
                .option("seq", "T", "tokens per sequence", "128")
                .option("val-every", "N", "validation loss every N steps (and after steps 1 and last); 0: off", "0")
                .option("val-data", "FILE", "validation data; default: the last 10% of --data, held out from training", null)
                .option("val-batches", "N", "batches per validation", "20")
                .option("data-order", "random|sequential", "random windows, or llm.c's sequential batches", "random")
                .option("head", "classify|tokens|qa|choice", "train a BERT task head on JSONL instead of the causal LM"
                        + " loss (see above)", null)
                .option("epochs", "N", "--head: passes over the training rows", "3")
                .option("metric", "NAME", "--head: the validation metric to keep the best epoch by and stop on:"
                        + " classify accuracy|f1|loss, tokens f1|accuracy|loss, qa f1|exact|loss, choice accuracy|loss;"
                        + " default the first", null)
                .option("early-stopping-patience", "N", "--head: stop after N epochs without a better --metric; 0: off", "0")
                .option("freeze-layers", "N", "--head with --method full: freeze the embeddings and the first N"
                        + " encoder layers", "0")
                .option("max-length", "N", "--head: tokens per encoded example (longer ones cut); default 128, or the"
                        + " model's positions when fewer", null);
    }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = args().parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        if (a.has("head")) return TaskFinetuning.run(a, System.out);
        for (String f : List.of("epochs", "metric", "early-stopping-patience", "freeze-layers", "max-length"))
            if (a.has(f)) throw new UsageException("--" + f + " is for --head runs");
        TrainConfig cfg = PretrainCommand.config(a);
        PrintStream o = System.out;
        FinetuneSetup.Prepared p = FinetuneSetup.prepare(a, cfg.seed(), o);
        CausalLm model = p.model();
        PretrainCommand.checkSeq(model, cfg.seq());

        Tokenizer tok = ModelTokenizer.forModel(model, a.has("tokenizer") ? Path.of(a.string("tokenizer")) : null, p.dir());
        Tokenizer dataTok = tok == null ? null : tok.specialTokensAsText();
        if (p.method().name().equals(MultitaskFinetune.METHOD)) return MultitaskFinetune.run(a, cfg, p, dataTok, o);
        int vocab = model.config().vocabSize();
        TokenData data = TokenData.load(Path.of(a.string("data")), dataTok, vocab);
        TokenData train = data, val = null;
        if (cfg.valEvery() > 0) {
            if (a.has("val-data")) val = TokenData.load(Path.of(a.string("val-data")), dataTok, vocab);
            else {
                TokenData[] split = TrainingRun.splitTail(data, 0.1, cfg.seq());
                train = split[0];
                val = split[1];
            }
        }

        Files.createDirectories(p.out());   // a paged optimizer spills there
        Trainer trainer = new Trainer(model, cfg, train, val, p.optimizer());
        String what = String.format(Locale.ROOT, "%s: %s training tokens%s", a.string("data"),
                TrainingRun.count(train.size()), val == null ? "" : ", " + TrainingRun.count(val.size()) + " validation tokens");
        FinetuneSetup.train(p, trainer, "finetune (" + p.method().name() + ") " + a.string("data"), what, o);
        return Main.OK;
    }

}
