package cortado.cli;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.TemplateException;
import cortado.data.chat.TokenizerConfig;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Token ids of a prompt as transformers makes them: plain text as {@code tokenizer(text)} (the post-processor's BOS
 * and the like added), a conversation rendered with the model's chat template and encoded as
 * {@code apply_chat_template(..., tokenize=True)} does, without adding special tokens again (the template writes them).
 */
final class PromptIds {
    private final Tokenizer tokenizer;
    private final Path modelDir;
    private ChatTemplate template; // loaded on first use: plain prompts need none

    PromptIds(Tokenizer tokenizer, Path modelDir) {
        this.tokenizer = tokenizer;
        this.modelDir = modelDir;
    }

    /** With the chat template given (a GGUF file's), not read from a directory; null: none. */
    PromptIds(Tokenizer tokenizer, ChatTemplate template) {
        this.tokenizer = tokenizer;
        this.modelDir = null;
        this.template = template;
    }

    /** Plain text; an empty prompt starts from the end-of-text token. {@code where} prefixes errors. */
    int[] text(String prompt, String where) {
        int[] ids = tokenizer instanceof HfTokenizer hf ? hf.encodeForModel(prompt) : tokenizer.encode(prompt);
        if (ids.length > 0) return ids;
        int eot = tokenizer.endOfTextId();
        if (eot < 0) throw new CliException(where + ": the prompt is empty and the tokenizer has no end-of-text token");
        return new int[] {eot};
    }

    /** A conversation ending with the header of an assistant turn (add_generation_prompt). */
    int[] messages(List<?> messages, String where) {
        return tokenizer.encode(render(messages, where));
    }

    String render(List<?> messages, String where) {
        for (int i = 0; i < messages.size(); i++)
            if (!(messages.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String))
                throw new CliException(where + ": message " + i + " must be an object with a string \"role\"");
        try {
            return template().render(messages, true, Map.of()).text();
        } catch (TemplateException e) {
            throw new CliException(where + ": " + e.getMessage());
        }
    }

    /** The model's chat template (loaded once). */
    ChatTemplate template() {
        if (template != null) return template;
        if (modelDir == null)
            throw new CliException("{\"messages\": ...} needs a model with a chat template (a checkpoint directory, or"
                    + " a GGUF file with tokenizer.chat_template)");
        try {
            return template = TokenizerConfig.load(modelDir).template(false);
        } catch (TokenizerConfig.ConfigException | TemplateException e) {
            throw new CliException(e.getMessage());
        }
    }
}
