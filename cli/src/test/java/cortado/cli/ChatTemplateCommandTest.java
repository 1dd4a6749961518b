package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cortado chat-template} end to end, in process, on the fixture model directories of data's chat tests. */
class ChatTemplateCommandTest {
    static final Path MODELS = Path.of("../data/src/test/resources/chat/models");

    @TempDir Path dir;

    @Test
    void printsTheRenderedConversation() throws Exception {
        Path msgs = dir.resolve("m.json");
        Files.writeString(msgs, "[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi \\\"there\\\" 🎉\"}]");
        CliRun.Result r = CliRun.run("chat-template", "--model", MODELS.resolve("qwen2.5").toString(), "--messages", msgs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // transformers' apply_chat_template(tokenize=False) for this Qwen2.5 template and conversation
        assertThat(r.out()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi \"there\" 🎉<|im_end|>\n");
        r = CliRun.run("chat-template", "--model", MODELS.resolve("qwen2.5").toString(), "--messages", msgs.toString(),
                "--add-generation-prompt");
        assertThat(r.out()).endsWith("<|im_end|>\n<|im_start|>assistant\n");
        // transformers 5 layout: the template in chat_template.jinja, an object with "messages"
        Files.writeString(msgs, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}]}");
        r = CliRun.run("chat-template", "--model", MODELS.resolve("smollm2").toString(), "--messages", msgs.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                + "<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n");
    }

    @Test
    void aRefusedConversationIsOneErrorLine() throws Exception {
        Path msgs = dir.resolve("m.json");
        Files.writeString(msgs, "[{\"role\": \"system\", \"content\": \"x\"}, {\"role\": \"user\", \"content\": \"y\"}]");
        Path gemma = MODELS.resolve("gemma");
        CliRun.Result r = CliRun.run("chat-template", "--model", gemma.toString(), "--messages", msgs.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines().toList()).hasSize(1);
        assertThat(r.err().strip()).startsWith("error: " + gemma.resolve("tokenizer_config.json") + " (chat_template):1:")
                .endsWith(": System role not supported");
    }

    @Test
    void badInputIsOneErrorLine() throws Exception {
        Path msgs = dir.resolve("m.json");
        Files.writeString(msgs, "[{\"role\": \"user\",\n \"content\": }]");
        CliRun.Result r = CliRun.run("chat-template", "--model", MODELS.resolve("zephyr").toString(), "--messages", msgs.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: " + msgs + ": malformed JSON").contains("line 2");
        Files.writeString(msgs, "[{\"content\": \"no role\"}]");
        r = CliRun.run("chat-template", "--model", MODELS.resolve("zephyr").toString(), "--messages", msgs.toString());
        assertThat(r.err().strip()).isEqualTo("error: " + msgs + ": message 0 must be an object with a string \"role\"");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}{{ m.content }\"}");
        Files.writeString(msgs, "[{\"role\": \"user\", \"content\": \"x\"}]");
        r = CliRun.run("chat-template", "--model", dir.toString(), "--messages", msgs.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("error: " + dir.resolve("tokenizer_config.json") + " (chat_template):1:");
        r = CliRun.run("chat-template", "--model", dir.resolve("nope").toString(), "--messages", msgs.toString());
        assertThat(r.code()).isEqualTo(2);
        r = CliRun.run("chat-template", "--messages", msgs.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("missing --model");
    }
}
