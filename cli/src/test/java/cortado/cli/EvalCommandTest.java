package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado eval} on a tiny random byte-level GPT-2: the output files and their lm-eval shape, the two
 * request paths agreeing, user task files (include, relative data files), and errors that name file, line and
 * field. Parity of the numbers with lm-eval is in the eval module's tests.
 */
class EvalCommandTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void model() {
        model = dir.resolve("model");
        HfCheckpoint.save(Models.create(Gpt2Config.of(257, 256, 32, 1, 2, 64), 3), model);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> json, String... path) {
        Map<String, Object> m = json;
        for (String p : path) m = (Map<String, Object>) m.get(p);
        return m;
    }

    @Test
    void writesResultsJsonReportAndChart() throws Exception {
        Path out = dir.resolve("run"), out2 = dir.resolve("run-unshared");
        CliRun.Result r = CliRun.run("eval", "--model", model.toString(), "--tasks", "tiny_arith,tiny_sentiment",
                "--shots", "1", "--limit", "5", "--batch", "3", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("tiny_arith (1-shot, 5 docs): acc ");
        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve("results.json")));
        assertThat(json).containsKeys("results", "group_subtasks", "configs", "versions", "n-shot", "higher_is_better",
                "n-samples", "config", "date");
        assertThat(section(json, "results", "tiny_arith")).containsKeys("alias", "acc,none", "acc_stderr,none",
                "acc_norm,none", "acc_norm_stderr,none");
        assertThat(section(json, "n-samples", "tiny_arith")).containsEntry("original", 24L).containsEntry("effective", 5L);
        assertThat(section(json, "configs", "tiny_sentiment")).containsEntry("num_fewshot", 1L)
                .containsEntry("output_type", "multiple_choice");
        assertThat(Files.readString(out.resolve("report.md"))).contains("| tiny_sentiment |", "![accuracy per task](metrics.png)");
        byte[] png = Files.readAllBytes(out.resolve("metrics.png"));
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');

        CliRun.Result u = CliRun.run("eval", "--model", model.toString(), "--tasks", "tiny_arith,tiny_sentiment",
                "--shots", "1", "--limit", "5", "--batch", "3", "--no-shared-prefix", "--out", out2.toString());
        assertThat(u.code()).as(u.err()).isZero();
        Map<String, Object> json2 = Json.parseObject(Files.readString(out2.resolve("results.json")));
        for (String task : new String[] {"tiny_arith", "tiny_sentiment"})
            for (String k : new String[] {"acc,none", "acc_norm,none"})
                assertThat(((Number) section(json2, "results", task).get(k)).doubleValue()).as(task + " " + k)
                        .isCloseTo(((Number) section(json, "results", task).get(k)).doubleValue(), within(1e-12));

        CliRun.Result c = CliRun.run("eval", "compare", out.toString(), out2.toString(), "--out", dir.resolve("cmp.md").toString());
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("| tiny_arith | acc,none |", "| tiny_sentiment | acc_norm,none |").doesNotContain("| yes |");
        assertThat(Files.readString(dir.resolve("cmp.md"))).isEqualTo(c.out());
        CliRun.Result bad = CliRun.run("eval", "compare", out.toString(), dir.resolve("missing").toString());
        assertThat(bad.err()).contains("missing: cannot read");
    }

    @Test
    void builtInDemoQaLoads() {
        CliRun.Result r = CliRun.run("eval", "--model", model.toString(), "--tasks", "demo_qa", "--limit", "2",
                "--out", dir.resolve("demo-qa").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("demo_qa (0-shot, 2 docs): acc ");
    }

    @Test
    void userTaskFilesWithIncludeAndRelativeData() throws Exception {
        Path tasks = Files.createDirectories(dir.resolve("tasks/sub"));
        Files.writeString(tasks.resolve("_base.yaml"), """
                dataset_path: json
                output_type: multiple_choice
                test_split: test
                doc_to_text: "Q: {{q}}\\nA:"
                doc_to_target: "{{answer}}"
                doc_to_choice: choices
                """);
        Files.writeString(tasks.resolve("mine.yaml"), """
                include: _base.yaml
                task: mine
                dataset_kwargs:
                  data_files:
                    test: data.jsonl
                num_fewshot: 1
                metric_list:
                  - metric: acc
                """);
        Files.writeString(tasks.resolve("data.jsonl"), """
                {"q": "sky?", "choices": ["blue", "green"], "answer": 0}
                {"q": "grass?", "choices": ["blue", "green"], "answer": 1}
                {"q": "snow?", "choices": ["white", "black"], "answer": 0}
                """);
        CliRun.Result r = CliRun.run("eval", "--model", model.toString(), "--tasks", "mine",
                "--include-path", dir.resolve("tasks").toString(), "--out", dir.resolve("mine-run").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("mine (1-shot, 3 docs): acc ").doesNotContain("acc_norm");
    }

    @Test
    void errorsNameTheFileLineAndField() throws Exception {
        Path t = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(t.resolve("gen.yaml"), "task: gen\ndataset_path: json\noutput_type: generate_until\n");
        CliRun.Result r = CliRun.run("eval", "--model", model.toString(), "--tasks", t.resolve("gen.yaml").toString(),
                "--out", dir.resolve("x").toString());
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("gen.yaml: field 'output_type' is 'generate_until'");

        Files.writeString(t.resolve("hub.yaml"), "task: hub\ndataset_path: cais/mmlu\noutput_type: multiple_choice\n");
        r = CliRun.run("eval", "--model", model.toString(), "--tasks", t.resolve("hub.yaml").toString(), "--out", dir.resolve("x").toString());
        assertThat(r.err()).contains("hub.yaml: field 'dataset_path' is 'cais/mmlu'; only local files load");

        Files.writeString(t.resolve("rows.jsonl"), "{\"q\": \"a\", \"c\": [\"x\", \"y\"], \"g\": 0}\n{\"q\": oops}\n");
        Files.writeString(t.resolve("rows.yaml"), """
                task: rows
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: rows.jsonl
                test_split: test
                output_type: multiple_choice
                doc_to_text: q
                doc_to_target: g
                doc_to_choice: c
                """);
        r = CliRun.run("eval", "--model", model.toString(), "--tasks", t.resolve("rows.yaml").toString(), "--out", dir.resolve("x").toString());
        assertThat(r.err()).contains("rows.jsonl:2:");

        Files.writeString(t.resolve("rows.jsonl"), "{\"q\": \"a\", \"c\": [\"x\", \"y\"], \"g\": 5}\n");
        r = CliRun.run("eval", "--model", model.toString(), "--tasks", t.resolve("rows.yaml").toString(), "--out", dir.resolve("x").toString());
        assertThat(r.err()).contains("rows.yaml: document 0 of split 'test': rows: target 5 is not one of [x, y]");

        r = CliRun.run("eval", "--model", model.toString(), "--tasks", "nope", "--out", dir.resolve("x").toString());
        assertThat(r.err()).contains("unknown task 'nope'");
    }
}
