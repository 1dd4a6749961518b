package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado distill} end to end on the embedded demo corpus: a teacher (2 layers, 64 wide) is pretrained here on
 * its first 200 KB; the student (gpt2-tiny: 2 layers, 32 wide) distilled from it (alpha 0.5, T 1) reaches a lower
 * held-out cross-entropy, on the corpus's last 6 KB (seen by neither), than the same student pretrained without the
 * teacher for the same 200 steps on the same data with the same seed, lr and schedule. Also: --alpha 0 is exactly
 * plain pretraining, a teacher quantized on load (nf4) trains a student, and metrics.jsonl carries kl, ce and
 * teacher_ce.
 */
class DistillCommandTest {
    @TempDir static Path dir;
    static Path train, val, teacher;

    static List<String> common(String steps, Path out) {
        return new ArrayList<>(List.of("--data", train.toString(), "--val-data", val.toString(), "--batch", "8",
                "--seq", "32", "--val-every", "100", "--val-batches", "8", "--lr", "3e-3", "--warmup", "5",
                "--save-every", "0", "--threads", "2", "--steps", steps, "--out", out.toString()));
    }

    static CliRun.Result run(String command, List<String> args, String... extra) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(args);
        a.addAll(List.of(extra));
        return CliRun.run(a.toArray(String[]::new));
    }

    @BeforeAll
    static void pretrainTeacher() throws Exception {
        String corpus = DemoCommand.corpus();
        train = dir.resolve("train.txt");
        val = dir.resolve("val.txt");
        Files.writeString(train, corpus.substring(0, 200_000));
        Files.writeString(val, corpus.substring(corpus.length() - 6_000));
        teacher = dir.resolve("teacher");
        List<String> t = common("200", teacher);
        t.set(t.indexOf("--batch") + 1, "16");
        CliRun.Result r = run("pretrain", t, "--model", "gpt2-tiny", "--config", "n_embd=64,n_head=4");
        assertThat(r.code()).as(r.err()).isZero();
    }

    static List<Map<String, Object>> metrics(Path out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) rows.add(Json.parseObject(line));
        return rows;
    }

    static double lastValLoss(Path out) throws Exception {
        double last = Double.NaN;
        for (Map<String, Object> row : metrics(out)) if (row.get("val_loss") instanceof Number v) last = v.doubleValue();
        return last;
    }

    @Test
    void aDistilledStudentBeatsTheSameStudentTrainedWithoutTheTeacher() throws Exception {
        Path distilled = dir.resolve("distilled"), alone = dir.resolve("alone");
        CliRun.Result d = run("distill", common("200", distilled), "--teacher", teacher.toString(), "--student",
                "gpt2-tiny", "--alpha", "0.5", "--temperature", "1");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("loss = 0.5 * T^2 * KL(teacher || student at T = 1.0) + 0.5 * CE")
                .contains("step 200/200").contains("held-out cross-entropy");
        Map<String, Object> last = metrics(distilled).getLast();
        assertThat(last).containsKeys("kl", "ce", "teacher_ce", "loss", "val_loss");
        // the logged loss is the mix of its logged terms
        double mix = 0.5 * ((Number) last.get("kl")).doubleValue() + 0.5 * ((Number) last.get("ce")).doubleValue();
        assertThat(((Number) last.get("loss")).doubleValue()).isCloseTo(mix, org.assertj.core.data.Offset.offset(1e-4));

        CliRun.Result a = run("pretrain", common("200", alone), "--model", "gpt2-tiny");
        assertThat(a.code()).as(a.err()).isZero();
        double withTeacher = lastValLoss(distilled), without = lastValLoss(alone);
        System.out.printf("distill: held-out CE after 200 steps: distilled %.4f, without the teacher %.4f%n",
                withTeacher, without);
        assertThat(withTeacher).as("distilled %.4f vs alone %.4f", withTeacher, without).isLessThan(without - 0.05);
    }

    @Test
    void alphaZeroIsPretrainingAndAQuantizedTeacherTrains() throws Exception {
        Path zero = dir.resolve("zero"), plain = dir.resolve("plain"), q = dir.resolve("q");
        CliRun.Result z = run("distill", common("3", zero), "--teacher", teacher.toString(), "--student", "gpt2-tiny",
                "--alpha", "0");
        assertThat(z.code()).as(z.err()).isZero();
        CliRun.Result p = run("pretrain", common("3", plain), "--model", "gpt2-tiny");
        assertThat(p.code()).as(p.err()).isZero();
        assertThat(lastValLoss(zero)).isEqualTo(lastValLoss(plain));

        CliRun.Result r = run("distill", common("3", q), "--teacher", teacher.toString(), "--student", "gpt2-tiny",
                "--config", "n_layer=1", "--quantize-teacher", "nf4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized").contains("of the teacher to nf4");
        assertThat(Files.isRegularFile(q.resolve("checkpoint/config.json"))).isTrue();
    }

    @Test
    void aResumedRunEndsWhereAnUninterruptedOneDoes() throws Exception {
        Path whole = dir.resolve("whole"), split = dir.resolve("split");
        String[] student = {"--teacher", teacher.toString(), "--student", "gpt2-tiny", "--config", "n_layer=1"};
        CliRun.Result w = run("distill", common("4", whole), student);
        assertThat(w.code()).as(w.err()).isZero();
        CliRun.Result first = run("distill", common("2", split), student);
        assertThat(first.code()).as(first.err()).isZero();
        CliRun.Result rest = run("distill", common("4", split), "--teacher", teacher.toString(), "--resume");
        assertThat(rest.code()).as(rest.err()).isZero();
        assertThat(rest.out()).contains("resuming at step 2 of 4");
        assertThat(metrics(split).getLast().get("loss")).isEqualTo(metrics(whole).getLast().get("loss"));
        assertThat(lastValLoss(split)).isEqualTo(lastValLoss(whole));
    }

    @Test
    void badInputIsRefusedClearly() {
        CliRun.Result h = CliRun.run("distill", "--help");
        assertThat(h.out()).contains("usage: cortado distill").contains("--threads N");
        CliRun.Result noStudent = run("distill", common("1", dir.resolve("x")), "--teacher", teacher.toString());
        assertThat(noStudent.code()).isEqualTo(2);
        assertThat(noStudent.err()).contains("missing --student");
        CliRun.Result vocab = run("distill", common("1", dir.resolve("y")), "--teacher", teacher.toString(),
                "--student", "gpt2-tiny", "--config", "vocab_size=300");
        assertThat(vocab.code()).isNotZero();
        assertThat(vocab.err()).contains("is not the teacher's (257)");
        CliRun.Result temp = run("distill", common("1", dir.resolve("z")), "--teacher", teacher.toString(),
                "--student", "gpt2-tiny", "--temperature", "0");
        assertThat(temp.err()).contains("--temperature must be > 0");
    }
}
