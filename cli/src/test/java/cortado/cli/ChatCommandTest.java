package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cortado chat}: every turn renders the whole conversation, replies stream, history carries over. */
class ChatCommandTest {
    @TempDir static Path dir;
    static Path model;

    @BeforeAll
    static void saveModel() throws Exception {
        CausalLm m = Presets.create("gpt2-tiny", 8);
        try (NoGrad g = NoGrad.enter()) {
            for (var p : m.module().namedParameters().values())
                if (p.value().rank() == 2) p.value().backend().scaleInPlace(p.value(), 15f);
        }
        model = dir.resolve("model");
        HfCheckpoint.save(m, model);
        Files.writeString(model.resolve("tokenizer_config.json"), Json.write(Map.of("chat_template",
                "{% for m in messages %}{{ m['role'][0] }}:{{ m['content'] }}\n{% endfor %}"
                        + "{% if add_generation_prompt %}a:{% endif %}")));
    }

    private static CliRun.Result chat(String input, String... args) {
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            String[] argv = new String[args.length + 3];
            argv[0] = "chat";
            argv[1] = "--model";
            argv[2] = model.toString();
            System.arraycopy(args, 0, argv, 3, args.length);
            return CliRun.run(argv);
        } finally {
            System.setIn(old);
        }
    }

    /** What generate writes for this conversation (the batch path, no streaming). */
    @SuppressWarnings("unchecked")
    private static String generateReply(List<Map<String, Object>> messages, String... extra) throws Exception {
        Path in = dir.resolve("conv.jsonl"), out = dir.resolve("conv-out.jsonl");
        Files.writeString(in, Json.write(Map.of("messages", messages)) + "\n");
        List<String> args = new java.util.ArrayList<>(List.of("generate", "--model", model.toString(), "--prompts",
                in.toString(), "--out", out.toString(), "--max-new-tokens", "8", "--temperature", "0"));
        args.addAll(List.of(extra));
        CliRun.Result r = CliRun.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return (String) Json.parseObject(Files.readAllLines(out).get(0)).get("completion");
    }

    @Test
    void repliesStreamAndTheConversationCarriesOver() throws Exception {
        CliRun.Result r = chat("hi there\n\nand then?\n/exit\n", "--max-new-tokens", "8", "--temperature", "0",
                "--system", "be brief");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> system = Map.of("role", "system", "content", "be brief");
        Map<String, Object> user1 = Map.of("role", "user", "content", "hi there");
        String first = generateReply(List.of(system, user1));
        String second = generateReply(List.of(system, user1, Map.of("role", "assistant", "content", first),
                Map.of("role", "user", "content", "and then?")));
        // A prompt per line read (the blank line just asks again), each reply followed by a blank line.
        assertThat(r.out()).isEqualTo("> " + first + "\n\n> > " + second + "\n\n> \n");
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void anAdapterAppliesInChatAsInGenerate() throws Exception {
        Path text = dir.resolve("chat-data.txt"), adapter = dir.resolve("adapter");
        Files.writeString(text, "u:hello\na:hi there, friend\n".repeat(50));
        CliRun.Result t = CliRun.run("finetune", "--model", model.toString(), "--data", text.toString(), "--out",
                adapter.toString(), "--steps", "5", "--batch", "2", "--seq", "16", "--lr", "5e-2", "--target-modules",
                "all-linear");
        assertThat(t.code()).as(t.err()).isZero();
        CliRun.Result r = chat("hello\n/exit\n", "--max-new-tokens", "8", "--temperature", "0", "--adapter",
                adapter.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("active: default");
        String reply = generateReply(List.of(Map.of("role", "user", "content", "hello")), "--adapter", adapter.toString());
        assertThat(r.out()).isEqualTo("> " + reply + "\n\n> \n");
    }

    @Test
    void aConversationPastTheContextIsRefusedWithOneErrorLine() {
        CliRun.Result r = chat("x".repeat(70) + "\n", "--max-new-tokens", "2");
        assertThat(r.code()).isZero();
        assertThat(r.err()).startsWith("error: the conversation has ").contains("context window of 64 positions");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void aModelWithoutAChatTemplateIsRefused() throws Exception {
        Path bare = dir.resolve("bare");
        Files.createDirectories(bare);
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(model.resolve(f), bare.resolve(f));
        CliRun.Result r = CliRun.run("chat", "--model", bare.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: " + bare + ": no tokenizer_config.json or chat_template.jinja\n");
    }
}
