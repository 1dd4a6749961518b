package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cortado generate --prompts FILE.jsonl --out FILE.jsonl} and the single-prompt mode, end to end. */
class GenerateCommandTest {
    @TempDir static Path dir;
    static Path model;

    /** A byte-level GPT-2 preset with sharpened weights (so greedy text varies), saved as a checkpoint directory. */
    @BeforeAll
    static void saveModel() {
        CausalLm m = Presets.create("gpt2-tiny", 8);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 15f);
        }
        model = dir.resolve("model");
        HfCheckpoint.save(m, model);
    }

    private static Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> read(Path p) throws Exception {
        return Files.readAllLines(p).stream().map(l -> (Map<String, Object>) Json.parseObject(l)).toList();
    }

    private static String prompts() {
        return """
                {"prompt": "the quick brown fox", "id": 7}
                {"prompt": "a"}

                {"prompt": "hello there, how are", "meta": {"k": [1, 2]}}
                """;
    }

    @Test
    void writesOneLinePerPromptWithTheInputFieldsKept() throws Exception {
        Path in = write("in.jsonl", prompts()), out = dir.resolve("out.jsonl");
        CliRun.Result r = CliRun.run("generate", "--model", model.toString(), "--prompts", in.toString(), "--out",
                out.toString(), "--max-new-tokens", "6", "--temperature", "0", "--batch", "3");
        assertThat(r.code()).as(r.err()).isZero();
        List<Map<String, Object>> rows = read(out);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).containsEntry("id", 7L).containsEntry("prompt", "the quick brown fox")
                .containsKeys("completion", "completion_ids", "finish_reason");
        assertThat(rows.get(2)).containsEntry("meta", Map.of("k", List.of(1L, 2L)));
        for (Map<String, Object> row : rows) {
            List<Object> ids = (List<Object>) row.get("completion_ids");
            assertThat(ids).hasSize(6);
            assertThat(row.get("finish_reason")).isEqualTo("length");
            assertThat(row.get("completion")).isEqualTo(decode(ids));
        }
        // Each row of the padded batch equals that prompt generated alone with --prompt.
        for (Map<String, Object> row : rows) {
            CliRun.Result one = CliRun.run("generate", "--model", model.toString(), "--prompt", (String) row.get("prompt"),
                    "--max-new-tokens", "6", "--temperature", "0");
            assertThat(one.code()).as(one.err()).isZero();
            assertThat(one.out()).isEqualTo(row.get("prompt") + (String) row.get("completion") + "\n");
        }
    }

    @Test
    void samplingDoesNotDependOnTheBatchSize() throws Exception {
        Path in = write("in2.jsonl", prompts());
        String[] base = {"generate", "--model", model.toString(), "--prompts", in.toString(), "--max-new-tokens", "8",
                "--temperature", "1.0", "--top-k", "20", "--top-p", "0.95", "--min-p", "0.01", "--repetition-penalty",
                "1.1", "--frequency-penalty", "0.3", "--presence-penalty", "0.2", "--seed", "5"};
        Path one = dir.resolve("b1.jsonl"), three = dir.resolve("b3.jsonl");
        assertThat(CliRun.run(concat(base, "--out", one.toString(), "--batch", "1")).code()).isZero();
        assertThat(CliRun.run(concat(base, "--out", three.toString(), "--batch", "3")).code()).isZero();
        assertThat(Files.readString(three)).isEqualTo(Files.readString(one));
        Path other = dir.resolve("seed6.jsonl");
        base[base.length - 1] = "6";
        assertThat(CliRun.run(concat(base, "--out", other.toString())).code()).isZero();
        assertThat(Files.readString(other)).isNotEqualTo(Files.readString(one));
    }

    @Test
    @SuppressWarnings("unchecked")
    void stopStringsCutTheCompletionAndEosIdsComeFromGenerationConfig() throws Exception {
        Path in = write("in3.jsonl", "{\"prompt\": \"the quick brown fox\"}\n"), free = dir.resolve("free.jsonl");
        String[] base = {"generate", "--prompts", in.toString(), "--max-new-tokens", "12", "--temperature", "0"};
        assertThat(CliRun.run(concat(base, "--model", model.toString(), "--out", free.toString())).code()).isZero();
        Map<String, Object> row = read(free).get(0);
        String text = (String) row.get("completion");
        List<Object> ids = (List<Object>) row.get("completion_ids");
        assertThat(ids).hasSize(12);
        assertThat(text).isEqualTo(decode(ids));

        // The stop string is two characters from the middle; the run stops at the token that completes it.
        String stop = text.substring(4, 6);
        int completing = 1;
        while (!decode(ids.subList(0, completing)).contains(stop)) completing++;
        Path cut = dir.resolve("cut.jsonl");
        CliRun.Result r = CliRun.run(concat(base, "--model", model.toString(), "--out", cut.toString(), "--stop",
                "never-there", "--stop", stop));
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> c = read(cut).get(0);
        assertThat(c.get("completion")).isEqualTo(text.substring(0, text.indexOf(stop)));
        assertThat(c.get("finish_reason")).isEqualTo("stop");
        assertThat((List<Object>) c.get("completion_ids")).isEqualTo(ids.subList(0, completing));

        // A list of eos ids in generation_config.json (overriding config.json's) stops the row at the first one.
        long eos = (Long) ids.get(3);
        Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [9999, " + eos + "]}");
        try {
            Path stopped = dir.resolve("eos.jsonl");
            r = CliRun.run(concat(base, "--model", model.toString(), "--out", stopped.toString()));
            assertThat(r.code()).as(r.err()).isZero();
            Map<String, Object> s = read(stopped).get(0);
            int first = ids.indexOf(eos);
            assertThat((List<Object>) s.get("completion_ids")).isEqualTo(ids.subList(0, first + 1));
            assertThat(s.get("completion")).isEqualTo(decode(ids.subList(0, first)));
            assertThat(s.get("finish_reason")).isEqualTo("stop");
        } finally {
            Files.delete(model.resolve("generation_config.json"));
        }
    }

    /** A {"messages": ...} line is rendered with the model's chat template: the same as that text as a prompt. */
    @Test
    @SuppressWarnings("unchecked")
    void messagesAreRenderedWithTheChatTemplate() throws Exception {
        Path chatModel = dir.resolve("chat-model");
        Files.createDirectories(chatModel);
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(model.resolve(f), chatModel.resolve(f));
        Files.writeString(chatModel.resolve("tokenizer_config.json"), Json.write(Map.of("chat_template",
                "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] | trim }}\n{% endfor %}"
                        + "{% if add_generation_prompt %}<|assistant|>{% endif %}")));
        String rendered = "<|system|>be brief\n<|user|>hi there\n<|assistant|>";
        Path in = write("chat.jsonl", "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"}, "
                + "{\"role\": \"user\", \"content\": \" hi there \"}], \"n\": 1}\n"
                + Json.write(Map.of("prompt", rendered)) + "\n");
        Path out = dir.resolve("chat-out.jsonl");
        CliRun.Result r = CliRun.run("generate", "--model", chatModel.toString(), "--prompts", in.toString(), "--out",
                out.toString(), "--max-new-tokens", "6", "--temperature", "0");
        assertThat(r.code()).as(r.err()).isZero();
        List<Map<String, Object>> rows = read(out);
        assertThat(rows.get(0)).containsKey("messages").containsEntry("n", 1L);
        assertThat(rows.get(0).get("completion_ids")).isEqualTo(rows.get(1).get("completion_ids"));
        assertThat(rows.get(0).get("completion")).isEqualTo(rows.get(1).get("completion"));
    }

    @Test
    void badInputGivesOneErrorLine() throws Exception {
        Path out = dir.resolve("never.jsonl");
        Path notJson = write("bad1.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \n");
        expectError(notJson, out, notJson + ":2: not a JSON object");
        Path messages = write("bad2.jsonl", "{\"messages\": [{\"content\": \"hi\"}]}\n");
        expectError(messages, out, messages + ":1: message 0 must be an object with a string \"role\"");
        Path both = write("bad5.jsonl", "{\"messages\": [], \"prompt\": \"a\"}\n");
        expectError(both, out, both + ":1: give \"prompt\" or \"messages\", not both");
        Path noTemplate = write("bad6.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        expectError(noTemplate, out, model + ": no tokenizer_config.json or chat_template.jinja");
        Path noPrompt = write("bad3.jsonl", "{\"text\": \"a\"}\n");
        expectError(noPrompt, out, noPrompt + ":1: expected {\"prompt\": \"...\"} or {\"messages\": [...]}, found neither");
        Path tooLong = write("bad4.jsonl", "{\"prompt\": \"ok\"}\n{\"prompt\": \"" + "x".repeat(65) + "\"}\n");
        expectError(tooLong, out, tooLong + ":2: the prompt has 65 tokens, more than the model's context window of 64"
                + " positions");
        assertThat(out).doesNotExist();

        CliRun.Result r = CliRun.run("generate", "--model", model.toString(), "--prompt", "x".repeat(65));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: the prompt has 65 tokens, more than the model's context window of 64"
                + " positions");
        r = CliRun.run("generate", "--model", model.toString(), "--prompt", "a", "--logit-bias", "{\"x\": 1}");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --logit-bias: key 'x' is not a token id");
        r = CliRun.run("generate", "--model", model.toString(), "--prompt", "a", "--logit-bias", "{\"999\": 1}");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("outside the vocabulary [0, 257)");
    }

    /** Byte-level vocabulary: the text is the UTF-8 decoding of the ids (none of them is end-of-text here). */
    private static String decode(List<Object> ids) {
        byte[] bytes = new byte[ids.size()];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) ((Long) ids.get(i)).intValue();
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void expectError(Path in, Path out, String message) {
        CliRun.Result r = CliRun.run("generate", "--model", model.toString(), "--prompts", in.toString(), "--out",
                out.toString(), "--max-new-tokens", "2");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: " + message);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
