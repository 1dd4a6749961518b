package cortado.data.chat;

import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A compiled chat template (the Jinja source in {@code tokenizer_config.json}'s {@code chat_template}), rendered as
 * transformers' {@code apply_chat_template(messages, tokenize=False)} renders it: the variables are
 * {@code messages}, {@code tools} and {@code documents} (None unless given), {@code add_generation_prompt}, the
 * tokenizer's named special tokens ({@code bos_token}, {@code eos_token}, ...) and any extra variables, which win.
 * Templates are parsed once; {@link #render} may be called from several threads.
 *
 * <pre>
 * TokenizerConfig config = TokenizerConfig.load(modelDir);
 * Rendered r = config.template().render(messages, true, Map.of());
 * String prompt = r.text();
 * </pre>
 */
public final class ChatTemplate {
    private final String name;
    private final String source;
    private final List<Stmt> body;
    private final Map<String, Object> defaults;
    private final Supplier<LocalDateTime> clock;

    private ChatTemplate(String name, String source, List<Stmt> body, Map<String, Object> defaults, Supplier<LocalDateTime> clock) {
        this.name = name;
        this.source = source;
        this.body = body;
        this.defaults = defaults;
        this.clock = clock;
    }

    /**
     * Parses a template. @param name what errors call it (usually the file it came from)
     * @throws TemplateException for a syntax error, naming {@code name}, line and column
     */
    public static ChatTemplate compile(String source, String name) {
        Objects.requireNonNull(source, "source");
        String normalized = Lexer.normalize(source);
        List<Stmt> body = Parser.parse(Lexer.tokenize(normalized, name), name);
        return new ChatTemplate(name, source, body, Map.of(), LocalDateTime::now);
    }

    /** This template with variables every render sees (below the per-call ones), e.g. the special tokens. */
    public ChatTemplate withDefaults(Map<String, ?> variables) {
        Map<String, Object> merged = new HashMap<>(defaults);
        merged.putAll(variables);
        return new ChatTemplate(name, source, body, java.util.Collections.unmodifiableMap(merged), clock);
    }

    /** This template with the clock {@code strftime_now} reads (the local time by default), for reproducible tests. */
    public ChatTemplate withClock(Supplier<LocalDateTime> clock) {
        return new ChatTemplate(name, source, body, defaults, Objects.requireNonNull(clock));
    }

    public String name() { return name; }

    public String source() { return source; }

    /**
     * Renders a conversation.
     * @param messages JSON values as {@link cortado.data.json.Json} parses them: maps with "role", "content" and
     *     optionally "tool_calls" and others
     * @param extraVariables more template variables ({@code tools}, {@code date_string}, ...); they override the
     *     defaults
     * @throws RaisedException when the template calls {@code raise_exception}
     * @throws TemplateException for any other error while rendering, with the template line and column
     */
    public Rendered render(List<?> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("tools", null);
        vars.put("documents", null);
        vars.putAll(defaults);
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        if (extraVariables != null) vars.putAll(extraVariables);
        return new Interpreter(name, clock).render(body, vars);
    }
}
