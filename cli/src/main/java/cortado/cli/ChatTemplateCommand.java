package cortado.cli;

import cortado.data.chat.Rendered;
import cortado.data.chat.TokenizerConfig;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cortado chat-template --model DIR --messages FILE.json [--add-generation-prompt]}: prints a conversation
 * rendered with the model's chat template, as transformers' {@code apply_chat_template(tokenize=False)} does.
 */
public final class ChatTemplateCommand implements Command {
    @Override public String name() { return "chat-template"; }

    @Override public String summary() { return "render a conversation with a model's chat template (as apply_chat_template)"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("chat-template", "Renders a conversation with the chat template of a model directory "
                + "(tokenizer_config.json's chat_template, or chat_template.jinja) and prints the text.\n"
                + "FILE.json: a JSON array of messages ({\"role\": ..., \"content\": ...}), or an object with \"messages\" "
                + "and optionally \"tools\".")
                .required("model", "DIR", "model directory with tokenizer_config.json and/or chat_template.jinja")
                .required("messages", "FILE.json", "the conversation")
                .flag("add-generation-prompt", "end with the header of an assistant turn, ready for generation")
                .option("tools", "FILE.json", "a JSON array of tool (function) schemas for the template's tools", null);
        a.parse(argv);
        Path dir = Path.of(a.string("model"));
        if (!Files.isDirectory(dir)) throw new UsageException(dir + ": not a directory");
        Path file = Path.of(a.string("messages"));
        Object doc = readJson(file);
        Object messages = doc, tools = null;
        if (doc instanceof Map<?, ?> m) {
            messages = m.get("messages");
            tools = m.get("tools");
        }
        if (!(messages instanceof List<?> list))
            throw new CliException(file + ": expected a JSON array of messages, or an object with \"messages\"");
        for (int i = 0; i < list.size(); i++)
            if (!(list.get(i) instanceof Map<?, ?> msg) || !(msg.get("role") instanceof String))
                throw new CliException(file + ": message " + i + " must be an object with a string \"role\"");
        if (a.string("tools") != null) {
            Path tf = Path.of(a.string("tools"));
            tools = readJson(tf);
            if (!(tools instanceof List)) throw new CliException(tf + ": expected a JSON array of tool schemas");
        }
        TokenizerConfig config = TokenizerConfig.load(dir);
        Map<String, Object> extra = new HashMap<>();
        if (tools != null) extra.put("tools", tools);
        Rendered r = config.template(tools != null).render(list, a.bool("add-generation-prompt"), extra);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.print(r.text());
        out.flush();
        return Main.OK;
    }

    private static Object readJson(Path file) throws Exception {
        if (!Files.isRegularFile(file)) throw new UsageException(file + ": no such file");
        try {
            return Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new CliException(file + ": malformed JSON: " + e.getMessage());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new CliException(file + ": not valid UTF-8");
        }
    }
}
