package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Presets;
import cortado.peft.AdapterFiles;
import cortado.train.MetricsLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cortado sft} end to end on a byte-level gpt2-tiny directory with a small chat template: LoRA on
 * prompt/completion rows, full fine-tuning on packed messages resuming exactly, and bad input refused with one line.
 */
class SftCommandTest {
    @TempDir static Path dir;
    static Path base, pairs, chats;

    /** A ChatML-like template with {% generation %} around the assistant's turns, rendered in bytes. */
    static final String TEMPLATE = "{% for m in messages %}{% if m.role == 'assistant' %}A: {% generation %}"
            + "{{ m.content }}\\n{% endgeneration %}{% else %}U: {{ m.content }}\\n{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}A: {% endif %}";

    @BeforeAll
    static void setUp() throws Exception {
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
        Files.writeString(base.resolve("tokenizer_config.json"), "{\"chat_template\": \"" + TEMPLATE + "\"}");
        pairs = dir.resolve("pairs.jsonl");
        chats = dir.resolve("chats.jsonl");
        List<String> p = new ArrayList<>(), c = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            p.add("{\"prompt\": \"" + i + " plus 1 is\", \"completion\": \" " + (i + 1) + "\"}");
            c.add("{\"messages\": [{\"role\": \"user\", \"content\": \"hi " + i + "\"}, {\"role\": \"assistant\","
                    + " \"content\": \"hello " + i + "\"}]}");
        }
        Files.write(pairs, p);
        Files.write(chats, c);
    }

    static CliRun.Result sft(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("sft", "--model", base.toString(), "--data", data.toString(),
                "--out", out.toString(), "--batch", "2", "--lr", "1e-2", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<Double> losses(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .map(r -> ((Number) r.get("loss")).doubleValue()).toList();
    }

    @Test
    void loraOnPromptCompletionWritesAnAdapterAndLearns() throws Exception {
        Path out = dir.resolve("lora");
        CliRun.Result r = sft(pairs, out, "--steps", "30", "--r", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("trainable params").contains("prompt completion, completion-only loss")
                .contains("12 examples of up to");
        assertThat(Files.isRegularFile(out.resolve(AdapterFiles.CONFIG))).isTrue();
        List<Double> l = losses(out);
        assertThat(l).hasSize(30);
        assertThat(l.get(29)).isLessThan(l.get(0));
    }

    @Test
    void packedMessagesFullFineTuningResumesExactly() throws Exception {
        Path straight = dir.resolve("full-straight"), resumed = dir.resolve("full-resumed");
        CliRun.Result r = sft(chats, straight, "--method", "full", "--packing", "--max-length", "48", "--steps", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("messages, assistant-only loss").contains("packed (bfd) into");
        assertThat(sft(chats, resumed, "--method", "full", "--packing", "--max-length", "48", "--steps", "2",
                "--save-every", "2").code()).isZero();
        CliRun.Result again = sft(chats, resumed, "--method", "full", "--packing", "--max-length", "48", "--steps", "4",
                "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(losses(resumed)).containsExactlyElementsOf(losses(straight));
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"prompt\": \"a\", \"completion\": \"b\"}", "{\"prompt\": \"a\"}"));
        CliRun.Result r = sft(bad, dir.resolve("bad-out"), "--steps", "1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("error: " + bad + ":2: field \"completion\" is missing");

        Path noMarkers = dir.resolve("plain");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), noMarkers);
        Files.writeString(noMarkers.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"{% for m in messages %}{{ m.content }}{% endfor %}\"}");
        CliRun.Result m = CliRun.run("sft", "--model", noMarkers.toString(), "--data", chats.toString(), "--out",
                dir.resolve("plain-out").toString(), "--steps", "1");
        assertThat(m.code()).isEqualTo(1);
        assertThat(m.err()).startsWith("error: " + chats + ":1: the chat template has no {% generation %} markers")
                .contains("--loss all");
        assertThat(CliRun.run("sft", "--model", noMarkers.toString(), "--data", chats.toString(), "--out",
                dir.resolve("plain-all").toString(), "--steps", "1", "--loss", "all", "--threads", "1").code()).isZero();

        assertThat(sft(pairs, dir.resolve("x"), "--packing-strategy", "wrapped").code()).isEqualTo(2);
        assertThat(sft(pairs, dir.resolve("y"), "--max-length", "65").err()).contains("exceeds the model's 64 positions");
    }
}
