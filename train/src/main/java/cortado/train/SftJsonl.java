package cortado.train;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SFT data as JSON Lines, one example per line (blank lines skipped), in the layouts TRL reads plus two common ones:
 * <ul>
 *   <li>{@code {"prompt": ..., "completion": ...}}: two strings, or two lists of messages (TRL's standard and
 *       conversational prompt-completion);</li>
 *   <li>{@code {"messages": [{"role", "content"}, ...]}} (TRL's conversational language modeling);</li>
 *   <li>Alpaca, {@code {"instruction", "input" (optional), "output"}}: prompt = {@link AlpacaPrompt}, completion =
 *       output;</li>
 *   <li>ShareGPT, {@code {"conversations": [{"from", "value"}, ...]}}: messages with {@code from} human/user,
 *       gpt/assistant or system mapped to the roles user, assistant and system (TRL's {@code maybe_convert_to_chatml}
 *       renames the keys but keeps the names, which chat templates do not know).</li>
 * </ul>
 * Every line must have the layout of the first (a dataset has one layout in TRL too). A bad line is an error naming
 * the file, the line and the field.
 */
public final class SftJsonl {
    /** The layouts, as {@link #layout} names them. */
    public enum Layout { PROMPT_COMPLETION, CONVERSATIONAL_PROMPT_COMPLETION, MESSAGES, ALPACA, SHAREGPT }

    /** The records of a file, the layout they share, and the line each came from. */
    public record Data(Layout layout, List<SftRecord> records, int[] lines, String source) {
        /** "FILE:LINE" of record i, for error messages. */
        public String where(int i) { return source + ":" + lines[i]; }
    }

    private SftJsonl() {}

    public static Data load(Path file) {
        List<SftRecord> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        Layout layout = null;
        int firstLine = 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                String where = file + ":" + n + ": ";
                Map<String, Object> obj;
                try {
                    obj = Json.parseObject(line);
                } catch (JsonException e) {
                    throw new TokenDataException(where + "not a JSON object: " + e.getMessage());
                }
                Layout l = layoutOf(obj, where);
                if (layout == null) {
                    layout = l;
                    firstLine = n;
                } else if (l != layout)
                    throw new TokenDataException(where + "a " + name(l) + " row, but line " + firstLine + " is "
                            + name(layout) + " (one layout per file)");
                records.add(parse(obj, l, where));
                lines.add(n);
            }
        } catch (NoSuchFileException e) {
            throw new TokenDataException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new TokenDataException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new TokenDataException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (records.isEmpty()) throw new TokenDataException(file + ": no examples (one JSON object per line)");
        return new Data(layout, List.copyOf(records), lines.stream().mapToInt(Integer::intValue).toArray(),
                file.toString());
    }

    static String name(Layout l) {
        return switch (l) {
            case PROMPT_COMPLETION -> "prompt/completion";
            case CONVERSATIONAL_PROMPT_COMPLETION -> "conversational prompt/completion";
            case MESSAGES -> "messages";
            case ALPACA -> "Alpaca";
            case SHAREGPT -> "ShareGPT";
        };
    }

    private static Layout layoutOf(Map<String, Object> obj, String where) {
        if (obj.containsKey("prompt") || obj.containsKey("completion")) {
            if (!obj.containsKey("prompt")) throw new TokenDataException(where + "field \"prompt\" is missing");
            if (!obj.containsKey("completion")) throw new TokenDataException(where + "field \"completion\" is missing");
            return obj.get("prompt") instanceof List<?> ? Layout.CONVERSATIONAL_PROMPT_COMPLETION : Layout.PROMPT_COMPLETION;
        }
        if (obj.containsKey("messages")) return Layout.MESSAGES;
        if (obj.containsKey("conversations")) return Layout.SHAREGPT;
        if (obj.containsKey("instruction") || obj.containsKey("output")) return Layout.ALPACA;
        throw new TokenDataException(where + "no SFT fields: expected \"prompt\"/\"completion\", \"messages\","
                + " \"instruction\"/\"output\" (Alpaca) or \"conversations\" (ShareGPT)");
    }

    private static SftRecord parse(Map<String, Object> obj, Layout l, String where) {
        return switch (l) {
            case PROMPT_COMPLETION -> new SftRecord.Text(string(obj, "prompt", where), string(obj, "completion", where));
            case CONVERSATIONAL_PROMPT_COMPLETION -> new SftRecord.ChatPair(messages(obj, "prompt", where),
                    messages(obj, "completion", where));
            case MESSAGES -> new SftRecord.Chat(messages(obj, "messages", where));
            case ALPACA -> {
                String input = obj.get("input") == null ? "" : string(obj, "input", where);
                yield new SftRecord.Text(AlpacaPrompt.format(string(obj, "instruction", where), input),
                        string(obj, "output", where));
            }
            case SHAREGPT -> new SftRecord.Chat(shareGpt(obj, where));
        };
    }

    private static String string(Map<String, Object> obj, String field, String where) {
        Object v = obj.get(field);
        if (v == null) throw new TokenDataException(where + "field \"" + field + "\" is missing");
        if (!(v instanceof String s)) throw new TokenDataException(where + "field \"" + field + "\" is not a string");
        return s;
    }

    private static List<Map<String, Object>> messages(Map<String, Object> obj, String field, String where) {
        if (!(obj.get(field) instanceof List<?> list))
            throw new TokenDataException(where + "field \"" + field + "\" is not a list of messages");
        if (list.isEmpty()) throw new TokenDataException(where + "field \"" + field + "\" holds no messages");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + "field \"" + field + "\"[" + i + "] ";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new TokenDataException(at + "is not an object");
            if (!(m.get("role") instanceof String)) throw new TokenDataException(at + "has no string \"role\"");
            if (!(m.get("content") instanceof String))
                throw new TokenDataException(at + "has no string \"content\"");
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put((String) k, v));
            out.add(copy);
        }
        return out;
    }

    private static List<Map<String, Object>> shareGpt(Map<String, Object> obj, String where) {
        if (!(obj.get("conversations") instanceof List<?> list) || list.isEmpty())
            throw new TokenDataException(where + "field \"conversations\" is not a non-empty list");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + "field \"conversations\"[" + i + "] ";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new TokenDataException(at + "is not an object");
            if (!(m.get("from") instanceof String from)) throw new TokenDataException(at + "has no string \"from\"");
            if (!(m.get("value") instanceof String value)) throw new TokenDataException(at + "has no string \"value\"");
            String role = switch (from) {
                case "human", "user" -> "user";
                case "gpt", "assistant" -> "assistant";
                case "system" -> "system";
                default -> throw new TokenDataException(at + "\"from\": \"" + from
                        + "\" is not human, user, gpt, assistant or system");
            };
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", role);
            message.put("content", value);
            out.add(message);
        }
        return out;
    }
}
