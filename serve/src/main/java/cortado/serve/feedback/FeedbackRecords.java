package cortado.serve.feedback;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation log ({@link ConversationLog}) read back: the logged responses and, for each rated choice, its latest
 * rating (a client may change its mind). A last line cut short by a crash (no newline, not JSON) is skipped; any other
 * bad line is an error naming the file, the line and the field.
 */
public record FeedbackRecords(List<Conversation> conversations, Map<ChoiceKey, ConversationLog.Rating> ratings) {

    /** One choice of a logged response. */
    public record Choice(String text, String finishReason) {}

    /** One logged response; {@code input} is the request's messages (chat) or prompt (completion). */
    public record Conversation(String id, long created, String model, String kind, Object input, String promptText,
                               List<Choice> choices) {}

    /** Which choice of which response a rating is for. */
    public record ChoiceKey(String id, int choice) {}

    /** The latest rating of choice {@code choice} of {@code c}, or null. */
    public ConversationLog.Rating rating(Conversation c, int choice) { return ratings.get(new ChoiceKey(c.id(), choice)); }

    public static FeedbackRecords load(Path dir) {
        Path convFile = dir.resolve(ConversationLog.CONVERSATIONS), fbFile = dir.resolve(ConversationLog.FEEDBACK);
        if (!Files.isRegularFile(convFile))
            throw new IllegalArgumentException(dir + ": no " + ConversationLog.CONVERSATIONS
                    + " (is this the --log-dir of a server?)");
        List<Conversation> conversations = new ArrayList<>();
        Map<String, Conversation> byId = new HashMap<>();
        for (Line l : lines(convFile)) {
            Map<String, Object> o = l.json();
            List<Choice> choices = new ArrayList<>();
            Object cs = o.get("choices");
            if (!(cs instanceof List<?> list) || list.isEmpty()) throw l.error("choices", "a non-empty list");
            for (Object c : list) {
                if (!(c instanceof Map<?, ?> m) || !(m.get("text") instanceof String text))
                    throw l.error("choices", "objects with a string \"text\"");
                choices.add(new Choice(text, m.get("finish_reason") instanceof String s ? s : null));
            }
            String kind = l.string("kind");
            if (!kind.equals("chat") && !kind.equals("completion")) throw l.error("kind", "\"chat\" or \"completion\"");
            Object input = o.get(kind.equals("chat") ? "messages" : "prompt");
            if (input == null) throw l.error(kind.equals("chat") ? "messages" : "prompt", "present");
            Conversation c = new Conversation(l.string("id"), l.number("created"), l.string("model"), kind, input,
                    l.string("prompt_text"), List.copyOf(choices));
            conversations.add(c);
            byId.put(c.id(), c);
        }
        Map<ChoiceKey, ConversationLog.Rating> ratings = new LinkedHashMap<>();
        if (Files.isRegularFile(fbFile))
            for (Line l : lines(fbFile)) {
                String id = l.string("id");
                int choice = (int) l.number("choice");
                Conversation c = byId.get(id);
                if (c == null) throw l.error("id", "the id of a response in " + ConversationLog.CONVERSATIONS);
                if (choice < 0 || choice >= c.choices().size()) throw l.error("choice", "a choice of response " + id);
                String rating = l.string("rating");
                if (!rating.equals("good") && !rating.equals("bad")) throw l.error("rating", "\"good\" or \"bad\"");
                Object preferred = l.json().get("preferred");
                if (preferred != null && !(preferred instanceof String)) throw l.error("preferred", "a string");
                ratings.put(new ChoiceKey(id, choice), new ConversationLog.Rating(id, choice, rating, (String) preferred));
            }
        return new FeedbackRecords(List.copyOf(conversations), ratings);
    }

    private record Line(Path file, int number, Map<String, Object> json) {
        IllegalArgumentException error(String field, String expected) {
            return new IllegalArgumentException(file + ":" + number + ": field \"" + field + "\" must be " + expected);
        }

        String string(String field) {
            if (!(json.get(field) instanceof String s)) throw error(field, "a string");
            return s;
        }

        long number(String field) {
            if (!(json.get(field) instanceof Number n)) throw error(field, "a number");
            return n.longValue();
        }
    }

    private static List<Line> lines(Path file) {
        String all;
        try {
            all = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        String[] raw = all.split("\n", -1);
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].isBlank()) continue;
            boolean last = i == raw.length - 1; // no newline after it: possibly cut short by a crash
            try {
                out.add(new Line(file, i + 1, Json.parseObject(raw[i])));
            } catch (JsonException e) {
                if (last) continue;
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": not a JSON object: " + e.getMessage());
            }
        }
        return out;
    }
}
