package cortado.serve;

import cortado.data.chat.ChatTemplate;
import cortado.data.chat.TemplateException;
import cortado.data.chat.TokenizerConfig;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizer;
import cortado.nn.generate.EosTokens;
import cortado.nn.models.CausalLm;
import cortado.peft.PeftModel;
import cortado.peft.lora.MixedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the server serves: the model under the name clients ask for, its tokenizer, its chat template (null: the
 * chat endpoint answers 400) and the end-of-sequence ids that end a reply. Prompts become ids as vLLM makes them: a
 * completion prompt as {@code tokenizer(text)} (the post-processor's BOS added), a conversation rendered with the chat
 * template and encoded without adding special tokens again (the template writes them). With LoRA adapters
 * ({@link #withAdapters}), a request names the base or an adapter, and rows for different adapters share one batch
 * step through the model's {@link MixedBatch}.
 */
public record ServedModel(String name, CausalLm model, Tokenizer tokenizer, ChatTemplate chatTemplate,
                          Set<Integer> eosTokenIds, LoraAdapters lora) {
    public ServedModel {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("the served model needs a name");
        eosTokenIds = Set.copyOf(eosTokenIds);
        if (lora.contains(name)) throw new IllegalArgumentException("an adapter is named '" + name + "' like the base");
    }

    /** A model without adapters. */
    public ServedModel(String name, CausalLm model, Tokenizer tokenizer, ChatTemplate chatTemplate, Set<Integer> eosTokenIds) {
        this(name, model, tokenizer, chatTemplate, eosTokenIds, LoraAdapters.none());
    }

    /** The names of the LoRA adapters served now. */
    public List<String> adapters() { return lora.names(); }

    /** The router of the model's LoRA layers; null without adapters. */
    MixedBatch mixedBatch() { return lora.mixedBatch(); }

    /**
     * This model with the LoRA adapters {@code peft} holds (loaded on this model's layers), each served under its
     * adapter name beside the base.
     */
    public ServedModel withAdapters(PeftModel peft) {
        if (peft.model().module() != model.module())
            throw new IllegalArgumentException("the adapters are loaded on another model");
        return new ServedModel(name, peft.model(), tokenizer, chatTemplate, eosTokenIds, LoraAdapters.of(peft));
    }

    /** The adapter a request's {@code model} names: null for the base; 404 for a name this server does not serve. */
    String adapterFor(String requested) {
        if (requested.equals(name)) return null;
        if (lora.contains(requested)) return requested;
        throw new ApiException(404, "The model `" + requested + "` does not exist.", "model", "model_not_found");
    }

    /**
     * The model loaded from checkpoint directory {@code dir} (null for a preset) with its files' chat template (none:
     * chat is refused) and end-of-sequence ids ({@code generation_config.json}, else config.json, else the
     * tokenizer's end-of-text token).
     */
    public static ServedModel of(String name, CausalLm model, Tokenizer tokenizer, Path dir) {
        ChatTemplate template = null;
        if (dir != null && (Files.isRegularFile(dir.resolve("tokenizer_config.json"))
                || Files.isRegularFile(dir.resolve("chat_template.jinja")))) {
            TokenizerConfig config = TokenizerConfig.load(dir);
            if (!config.templates().isEmpty()) template = config.template(false);
        }
        return new ServedModel(name, model, tokenizer, template, EosTokens.orEndOfText(model.config(), dir, tokenizer));
    }

    /** The model's context window: the most positions a prompt and its completion may take together. */
    public int contextWindow() { return model.config().maxPositions(); }

    /** A completion prompt's ids; an empty prompt starts from the end-of-text token. */
    int[] encodeText(String prompt) {
        int[] ids = tokenizer instanceof HfTokenizer hf ? hf.encodeForModel(prompt) : tokenizer.encode(prompt);
        if (ids.length > 0) return ids;
        int eot = tokenizer.endOfTextId();
        if (eot < 0) throw new ApiException(400, "the prompt is empty and the tokenizer has no end-of-text token", "prompt");
        return new int[] {eot};
    }

    /** The prompt text of a conversation (and tools), ready for the assistant's turn. */
    String renderChat(List<Map<String, Object>> messages, List<Map<String, Object>> tools) {
        if (chatTemplate == null)
            throw new ApiException(400, "model '" + name + "' has no chat template; use /v1/completions", "messages");
        try {
            Map<String, Object> vars = new java.util.HashMap<>();
            if (tools != null) vars.put("tools", tools);
            return chatTemplate.render(messages, true, vars).text();
        } catch (TemplateException e) {
            throw new ApiException(400, "the chat template failed on these messages: " + e.getMessage(), "messages");
        }
    }
}
