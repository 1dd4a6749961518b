package cortado.cli;

import cortado.data.json.Json;
import cortado.data.text.JsonlText;
import cortado.data.tokenizer.Tokenizer;
import cortado.peft.prompt.PromptLearningLm;
import cortado.train.Batches;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import cortado.train.TrainingObjective;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code finetune --method multitask-prompt-tuning}: the rows are the JSONL file's lines, each
 * {@code {"text": ..., "task_id": N}} (any text form {@link JsonlText} reads, beside an integer task id in
 * [0, --num-tasks)), tokenized alone and cut to T + 1 tokens; each batch draws rows uniformly ({@link Batches#given})
 * and every row's prompt is its task's, as peft's {@code task_ids}. There is no validation loss: held-out rows would
 * need their task ids too, which the token-stream validation has not.
 */
final class MultitaskFinetune {
    static final String METHOD = "multitask-prompt-tuning";

    private MultitaskFinetune() {}

    /** The training rows of {@code file}: inputs, targets (the inputs shifted by one) and task ids. */
    record Rows(List<int[]> inputs, List<int[]> targets, int[] taskIds) {}

    static Rows read(Path file, Tokenizer tok, int vocab, int seq, int numTasks) {
        List<int[]> inputs = new ArrayList<>(), targets = new ArrayList<>();
        List<Integer> tasks = new ArrayList<>();
        List<String> lines = StrictLines.read(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String where = file + ":" + (i + 1);
            Map<String, Object> row;
            String text;
            try {
                row = Json.parseObject(line);
                text = JsonlText.of(row);
            } catch (RuntimeException e) {
                throw new CliException(where + ": " + e.getMessage());
            }
            Object t = row.get("task_id");
            if (!(t instanceof Long id))
                throw new CliException(where + ": \"task_id\" must be an integer (the row's task, 0.." + (numTasks - 1)
                        + "), got " + (t == null ? "none" : Json.write(t)));
            if (id < 0 || id >= numTasks)
                throw new CliException(where + ": task_id " + id + " is out of range: --num-tasks " + numTasks
                        + " gives ids 0.." + (numTasks - 1));
            int[] ids = tok.encode(text);
            if (ids.length > seq + 1) ids = Arrays.copyOf(ids, seq + 1);
            if (ids.length < 2) throw new CliException(where + ": the text is under two tokens: nothing to predict");
            for (int id2 : ids)
                if (id2 >= vocab) throw new CliException(where + ": token " + id2 + " is outside the vocabulary (" + vocab + ")");
            inputs.add(Arrays.copyOf(ids, ids.length - 1));
            targets.add(Arrays.copyOfRange(ids, 1, ids.length));
            tasks.add(id.intValue());
        }
        if (inputs.isEmpty()) throw new CliException(file + ": no rows");
        return new Rows(inputs, targets, tasks.stream().mapToInt(Integer::intValue).toArray());
    }

    static int run(Args a, TrainConfig cfg, FinetuneSetup.Prepared p, Tokenizer tok, PrintStream o) throws Exception {
        if (cfg.valEvery() > 0 || a.has("val-data"))
            throw new UsageException("--method " + METHOD + " has no validation loss yet (held-out rows need task"
                    + " ids): leave out --val-every and --val-data");
        if (cfg.sequential())
            throw new UsageException("--data-order sequential reads a token stream; --method " + METHOD
                    + " draws whole rows");
        if (tok == null) throw new CliException(p.dir() + ": no tokenizer for the JSONL rows (give --tokenizer)");
        Path data = Path.of(a.string("data"));
        int numTasks = a.positiveInt("num-tasks");
        Rows rows = read(data, tok, p.model().config().vocabSize(), cfg.seq(), numTasks);
        PromptLearningLm lm = (PromptLearningLm) p.model();
        TrainingObjective withTasks = (model, b) -> lm.withTaskIds(b.taskIds(), () -> Trainer.loss(model, b));
        Files.createDirectories(p.out());
        Trainer trainer = new Trainer(p.model(), cfg, Batches.given(rows.inputs(), rows.targets(), rows.taskIds(),
                cfg.batch(), cfg.seq(), cfg.seed()), null, p.optimizer(), withTasks);
        long[] perTask = new long[numTasks];
        for (int t : rows.taskIds()) perTask[t]++;
        String what = String.format(Locale.ROOT, "%s: %d rows, per task %s", data, rows.inputs().size(),
                Arrays.toString(perTask));
        FinetuneSetup.train(p, trainer, "finetune (" + METHOD + ") " + data, what, o);
        return Main.OK;
    }
}
