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
 * and {@code additional_chat_templates/NAME.jinja} when present (transformers 5 saves them there, and they win over
 * the config), else from the config's
 * {@code chat_template}, a string or a list of {@code {"name", "template"}} (the one named "default", or
 * "tool_use" when tools are given). Special tokens may be strings or {@code AddedToken} objects
 * ({@code {"content": "<s>", ...}}).
 *
 * @param templates named templates ("default" for a single one); empty when the model has none
 * @param origins for each template, what its errors call it: its .jinja file, or "tokenizer_config.json (chat_template)"
 * @param templateFile the file the templates came from (the first one), for error messages
 * @param specialTokens bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token: those set
 */
public record TokenizerConfig(Map<String, String> templates, Map<String, String> origins, Path templateFile,
                              Map<String, String> specialTokens) {
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
        if (!Files.isRegularFile(config) && !Files.isRegularFile(jinja) && !Files.isDirectory(dir.resolve("additional_chat_templates")))
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
        Map<String, String> origins = new LinkedHashMap<>();
        Path from = config;
        // transformers 5: chat_template.jinja is "default", additional_chat_templates/NAME.jinja the others; any of
        // these files replace the config's chat_template
        if (Files.isRegularFile(jinja)) {
            templates.put("default", readText(jinja));
            origins.put("default", jinja.toString());
            from = jinja;
        }
        Path extraDir = dir.resolve("additional_chat_templates");
        if (Files.isDirectory(extraDir)) {
            try (var files = Files.list(extraDir)) {
                for (Path f : files.sorted().toList()) {
                    String n = f.getFileName().toString();
                    if (!n.endsWith(".jinja") || !Files.isRegularFile(f)) continue;
                    String name = n.substring(0, n.length() - ".jinja".length());
                    templates.put(name, readText(f));
                    origins.put(name, f.toString());
                    if (from == config) from = f;
                }
            } catch (IOException e) {
                throw new ConfigException(extraDir + ": " + e.getMessage());
            }
        }
        if (templates.isEmpty()) {
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
        for (String n : templates.keySet()) origins.putIfAbsent(n, config + " (chat_template)");
        return new TokenizerConfig(Map.copyOf(templates), Map.copyOf(origins), from, Map.copyOf(specials));
    }

    /**
     * The template transformers' {@code get_chat_template} would pick, compiled, with the special tokens as defaults:
     * "tool_use" when tools are given and there is one, else "default". Each call parses the template again: keep
     * the returned {@link ChatTemplate} (immutable, safe to share between threads).
     * @param withTools whether the caller passes tools
     */
    public ChatTemplate template(boolean withTools) {
        if (templates.isEmpty()) throw new ConfigException(templateFile + ": the model has no chat template ('chat_template')");
        String pick = withTools && templates.containsKey("tool_use") ? "tool_use" : "default";
        if (!templates.containsKey(pick))
            throw new ConfigException(templateFile + ": several chat templates and none named 'default' (there are "
                    + String.join(", ", new java.util.TreeSet<>(templates.keySet())) + ")");
        // line and column of errors count in the template text, so a JSON field's value is named as such
        return ChatTemplate.compile(templates.get(pick), origins.get(pick)).withDefaults(specialTokens);
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
