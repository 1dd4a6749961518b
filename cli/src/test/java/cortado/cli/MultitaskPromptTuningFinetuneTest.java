package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.peft.prompt.PromptLearningLm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado finetune --method multitask-prompt-tuning} on gpt2-tiny and JSONL rows of two tasks (each row its
 * {@code task_id}): the adapter is peft's (three tensors, num_tasks 2) and loads back; with each row's own task id its
 * loss is below the frozen base's, and each task's rows do better under their own task's prompt than the other's;
 * the run resumes from its adapter; a bad row (a task id out of range, none) is one error line naming the file and
 * line; flags that do not apply are usage errors.
 */
class MultitaskPromptTuningFinetuneTest {
    @TempDir static Path dir;
    static Path base, rows;
    static final String[] TEXTS = {"the cat sat on the mat.", "A DOG RAN TO THE PARK!"};

    @BeforeAll
    static void setUp() throws Exception {
        Path fresh = dir.resolve("fresh");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), fresh);
        rows = dir.resolve("tasks.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++)
            sb.append(Json.write(Map.of("text", TEXTS[i % 2], "task_id", (long) (i % 2)))).append('\n');
        Files.writeString(rows, sb.toString(), StandardCharsets.UTF_8);
        // A base that has seen the bytes (an untrained one ignores its input, prompt and all), at every position a
        // prompted row takes (P + 24).
        base = fresh;
        Path pretrained = dir.resolve("pretrained");
        Path text = dir.resolve("both.txt");
        Files.writeString(text, (TEXTS[0] + " " + TEXTS[1] + " ").repeat(40), StandardCharsets.UTF_8);
        CliRun.Result r = finetune(text, pretrained, "--method", "full", "--seq", "32",
                "--steps", "60", "--lr", "1e-2");
        assertThat(r.code()).as(r.err()).isZero();
        base = PretrainCommand.modelDir(pretrained);
    }

    private static CliRun.Result finetune(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", base.toString(), "--data", data.toString(),
                "--out", out.toString(), "--batch", "4", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    /** Mean loss of the rows of text {@code row} (bytes) with task {@code task}, or on the base when lm is null. */
    private static double loss(CausalLm m, PromptLearningLm lm, int row, int task) {
        byte[] b = TEXTS[row].getBytes(StandardCharsets.US_ASCII);
        int t = b.length - 1;
        int[] ids = new int[t], targets = new int[t];
        for (int i = 0; i < t; i++) {
            ids[i] = b[i] & 0xff;
            targets[i] = b[i + 1] & 0xff;
        }
        m.module().eval();
        try (NoGrad g = NoGrad.enter()) {
            return (lm == null ? m.loss(ids, targets, 1, t) : lm.loss(ids, targets, new int[] {task}, 1, t)).item();
        }
    }

    @Test
    void eachTasksRowsLearnTheirOwnPrompt() throws Exception {
        Path out = dir.resolve("mpt");
        CliRun.Result r = finetune(rows, out, "--method", "multitask-prompt-tuning", "--seq", "24",
                "--num-tasks", "2", "--num-ranks", "2", "--num-virtual-tokens", "4", "--steps", "80", "--lr", "2e-2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("40 rows, per task [20, 20]");
        Map<?, ?> cfg = (Map<?, ?>) Json.parse(Files.readString(out.resolve(AdapterFiles.CONFIG)));
        assertThat(cfg.get("peft_type")).isEqualTo("MULTITASK_PROMPT_TUNING");
        assertThat(cfg.get("num_tasks")).isEqualTo(2L);
        assertThat(Safetensors.load(out.resolve(AdapterFiles.WEIGHTS)).keySet())
                .containsExactlyInAnyOrder("prompt_embeddings", "prefix_task_cols", "prefix_task_rows");
        CausalLm frozen = HfCheckpoint.load(base);
        PromptLearningLm lm = (PromptLearningLm) AdapterFiles.load(HfCheckpoint.load(base), out).model();
        for (int row = 0; row < 2; row++) {
            double own = loss(lm, lm, row, row), other = loss(lm, lm, row, 1 - row), plain = loss(frozen, null, row, 0);
            System.out.printf("task %d rows: own prompt %.4f, other task's %.4f, frozen base %.4f%n", row, own, other, plain);
            assertThat(own).as("task " + row).isLessThan(plain).isLessThan(other);
        }
        // The file holds every trained tensor, so a run resumes from it.
        CliRun.Result resumed = finetune(rows, out, "--method", "multitask-prompt-tuning", "--seq", "24",
                "--num-tasks", "2", "--num-ranks", "2", "--num-virtual-tokens", "4", "--steps", "82", "--lr", "2e-2",
                "--resume");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming at step 80 of 82");
        // The inference commands take the rows' task with --task-id: generation continues a task's row its way.
        for (int task = 0; task < 2; task++) {
            CliRun.Result g = CliRun.run("generate", "--model", base.toString(), "--adapter", out.toString(), "--task-id",
                    Integer.toString(task), "--prompt", TEXTS[task].substring(0, 8), "--max-new-tokens", "6",
                    "--temperature", "0");
            assertThat(g.code()).as(g.err()).isZero();
            System.out.printf("task %d generates: %s%n", task, g.out().strip());
        }
        for (var c : List.of(Map.entry(new String[] {}, "is multitask prompt tuning: give the rows' task with --task-id 0..1"),
                Map.entry(new String[] {"--task-id", "2"}, "--task-id 2 is out of range: adapter 'default' has 2 task(s), 0..1"))) {
            List<String> args = new ArrayList<>(List.of("generate", "--model", base.toString(), "--adapter",
                    out.toString(), "--prompt", "the", "--max-new-tokens", "2"));
            args.addAll(Arrays.asList(c.getKey()));
            CliRun.Result g = CliRun.run(args.toArray(String[]::new));
            assertThat(g.code()).as(c.getValue()).isEqualTo(Main.USAGE);
            assertThat(g.err().lines().filter(l -> l.startsWith("error: ")).toList()).hasSize(1)
                    .allMatch(l -> l.contains(c.getValue()));
        }
    }

    @Test
    void badRowsAndFlagsAreOneErrorLine() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        for (var c : List.of(Map.entry("{\"text\": \"hello there\", \"task_id\": 2}", ":2: task_id 2 is out of range:"
                        + " --num-tasks 2 gives ids 0..1"),
                Map.entry("{\"text\": \"hello there\"}", ":2: \"task_id\" must be an integer (the row's task, 0..1), got none"),
                Map.entry("{\"text\": \"hello there\", \"task_id\": \"a\"}", ":2: \"task_id\" must be an integer"))) {
            Files.writeString(bad, "{\"text\": \"fine row\", \"task_id\": 0}\n" + c.getKey() + "\n");
            CliRun.Result r = finetune(bad, dir.resolve("unused"), "--method", "multitask-prompt-tuning", "--num-tasks",
                    "2", "--steps", "1", "--seq", "24");
            assertThat(r.code()).as(c.getKey()).isEqualTo(1);
            assertThat(r.err().lines().toList()).as(c.getKey()).hasSize(1)
                    .allMatch(l -> l.startsWith("error: ") && l.contains(bad + c.getValue()));
        }
        for (String[] flags : List.of(new String[] {"--val-every", "10"}, new String[] {"--prompt-init", "sample-vocab"})) {
            List<String> args = new ArrayList<>(List.of("--method", "multitask-prompt-tuning", "--steps", "1", "--seq", "24"));
            args.addAll(Arrays.asList(flags));
            CliRun.Result r = finetune(rows, dir.resolve("unused"), args.toArray(String[]::new));
            assertThat(r.code()).as(String.join(" ", flags)).isEqualTo(Main.USAGE);
            assertThat(r.err().lines().toList()).as(String.join(" ", flags)).hasSize(1)
                    .allMatch(l -> l.startsWith("error: ") && l.contains(flags[0]));
        }
        CliRun.Result lora = finetune(rows, dir.resolve("unused"), "--method", "lora", "--num-tasks", "2", "--seq", "24");
        assertThat(lora.code()).isEqualTo(Main.USAGE);
        assertThat(lora.err()).contains("--num-tasks does not apply to --method lora");
    }
}
