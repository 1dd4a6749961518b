package cortado.data.chat;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model directory says about chatting: the chat template and the named special tokens from
 * {@code tokenizer_config.json}, as transformers reads them. The template comes from {@code chat_template.jinja}
 * when present (transformers 5 saves it there, and it wins over the config), else from the config's
 * {@code chat_template}, a string or a list of {@code {"name", "template"}} (the one named "default", or
 * "tool_use" when tools are given). Special tokens may be strings or {@code AddedToken} objects
 * ({@code {"content": "<s>", ...}}).
 *
 * @param templates named templates ("default" for a single one); empty when the model has none
 * @param templateFile the file the templates came from, for error messages
 * @param specialTokens bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token: those set
 */
public record TokenizerConfig(Map<String, String> templates, Path templateFile, Map<String, String> specialTokens) {
    /** transformers' SPECIAL_TOKENS_ATTRIBUTES: the names {@code apply_chat_template} passes to the template. */
    static final List<String> SPECIAL_TOKEN_NAMES =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    /** Thrown for a missing or malformed {@code tokenizer_config.json} or template file; the message names it. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) { super(message); }
    }

    /** Reads {@code dir/tokenizer_config.json} and {@code dir/chat_template.jinja} (either may be absent, not both). */
    public static TokenizerConfig load(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        Path jinja = dir.resolve("chat_template.jinja");
        Map<String, Object> json = Files.isRegularFile(config) ? readJson(config) : Map.of();
        if (!Files.isRegularFile(config) && !Files.isRegularFile(jinja))
            throw new ConfigException(dir + ": no tokenizer_config.json or chat_template.jinja");
        Map<String, String> specials = new LinkedHashMap<>();
        for (String n : SPECIAL_TOKEN_NAMES) {
            Object v = json.get(n);
            if (v == null) continue;
            if (v instanceof String s) specials.put(n, s);
            else if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) specials.put(n, s);
            else throw new ConfigException(config + ": field '" + n + "' must be a string or an AddedToken object with \"content\"");
        }
        Map<String, String> templates = new LinkedHashMap<>();
        Path from = config;
        if (Files.isRegularFile(jinja)) {
            templates.put("default", readText(jinja));
            from = jinja;
        } else {
            Object t = json.get("chat_template");
            if (t instanceof String s) templates.put("default", s);
            else if (t instanceof List<?> l) {
                for (Object o : l) {
                    if (!(o instanceof Map<?, ?> m) || !(m.get("name") instanceof String n) || !(m.get("template") instanceof String s))
                        throw new ConfigException(config + ": field 'chat_template': each entry must be {\"name\": ..., \"template\": ...}");
                    templates.put(n, s);
                }
            } else if (t != null) throw new ConfigException(config + ": field 'chat_template' must be a string or a list");
        }
        return new TokenizerConfig(Map.copyOf(templates), from, Map.copyOf(specials));
    }

    /**
     * The template transformers would pick, compiled, with the special tokens as defaults.
     * @param withTools whether the caller passes tools (then a "tool_use" template is preferred)
     */
    public ChatTemplate template(boolean withTools) {
        String src;
        if (templates.isEmpty()) throw new ConfigException(templateFile + ": the model has no chat template ('chat_template')");
        if (withTools && templates.containsKey("tool_use")) src = templates.get("tool_use");
        else if (templates.containsKey("default")) src = templates.get("default");
        else if (templates.size() == 1) src = templates.values().iterator().next();
        else throw new ConfigException(templateFile + ": several chat templates and none named 'default'");
        // line and column of errors count in the template text, so say when it is a JSON field's value
        String name = templateFile.getFileName().toString().endsWith(".jinja") ? templateFile.toString()
                : templateFile + " (chat_template)";
        return ChatTemplate.compile(src, name).withDefaults(specialTokens);
    }

    /** {@link #template(boolean) template(false)}. */
    public ChatTemplate template() { return template(false); }

    private static Map<String, Object> readJson(Path p) {
        try {
            return Json.parseObject(readText(p));
        } catch (JsonException e) {
            throw new ConfigException(p + ": malformed JSON: " + e.getMessage());
        }
    }

    private static String readText(Path p) {
        try {
            byte[] bytes = Files.readAllBytes(p);
            var dec = StandardCharsets.UTF_8.newDecoder();
            return dec.decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ConfigException(p + ": not valid UTF-8");
        } catch (NoSuchFileException e) {
            throw new ConfigException(p + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(p + ": " + e.getMessage());
        }
    }
}
