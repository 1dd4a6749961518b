package cortado.serve.feedback;

import cortado.data.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code serve --log-dir DIR} keeps: every answered request as one line of {@code DIR/conversations.jsonl}
 * ({@code id}, {@code created}, {@code model}, {@code kind} chat or completion, the request's {@code messages} or
 * {@code prompt}, {@code prompt_text} as the model saw it, and each choice's {@code text} and {@code finish_reason}),
 * and every rating a client sends ({@code POST /v1/feedback}) as one line of {@code DIR/feedback.jsonl}. Both files
 * are only appended to, a whole line at a time and flushed, so a crash loses at most the line being written (which
 * {@link FeedbackRecords} then skips); ids of earlier runs stay ratable.
 */
public final class ConversationLog implements AutoCloseable {
    public static final String CONVERSATIONS = "conversations.jsonl", FEEDBACK = "feedback.jsonl";

    /** One rating, as a client sent it: {@code rating} is "good" or "bad"; {@code preferred} may be null. */
    public record Rating(String id, int choice, String rating, String preferred) {}

    /** A rating that cannot be logged, with the request field at fault ("id" when no response has that id). */
    public static final class BadRating extends IllegalArgumentException {
        private final String field;

        BadRating(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() { return field; }
    }

    private final Map<String, Integer> choicesById = new HashMap<>();
    private final Writer conversations, feedback;

    private ConversationLog(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve(CONVERSATIONS)))
            for (FeedbackRecords.Conversation c : FeedbackRecords.load(dir).conversations())
                choicesById.put(c.id(), c.choices().size());
        conversations = appender(dir.resolve(CONVERSATIONS));
        feedback = appender(dir.resolve(FEEDBACK));
    }

    /** Opens (creating) the log in {@code dir}, reading the ids it already holds. */
    public static ConversationLog open(Path dir) {
        try {
            return new ConversationLog(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot open the conversation log: " + e.getMessage(), e);
        }
    }

    private static Writer appender(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Logs an answered request. {@code input} is the request's messages (chat) or prompt (completion) as sent;
     * {@code texts} and {@code finishReasons} are its choices in order.
     */
    public synchronized void conversation(String id, long created, String model, String kind, Object input,
                                          String promptText, List<String> texts, List<String> finishReasons) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", id);
        row.put("created", created);
        row.put("model", model);
        row.put("kind", kind);
        row.put(kind.equals("chat") ? "messages" : "prompt", input);
        row.put("prompt_text", promptText);
        List<Map<String, Object>> choices = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("index", i);
            c.put("text", texts.get(i));
            c.put("finish_reason", finishReasons.get(i));
            choices.add(c);
        }
        row.put("choices", choices);
        append(conversations, row);
        choicesById.put(id, texts.size());
    }

    /**
     * Logs a rating of a logged choice.
     * @throws BadRating when the id is unknown, the choice does not exist, or the rating is not "good" or "bad"
     */
    public synchronized void rate(Rating r, long time) {
        Integer choices = choicesById.get(r.id());
        if (choices == null) throw new BadRating("id", "no logged response has id '" + r.id() + "'");
        if (r.choice() < 0 || r.choice() >= choices)
            throw new BadRating("choice", "response '" + r.id() + "' has " + choices + " choice(s), not " + r.choice());
        if (!r.rating().equals("good") && !r.rating().equals("bad"))
            throw new BadRating("rating", "'rating' must be \"good\" or \"bad\", got \"" + r.rating() + "\"");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", r.id());
        row.put("choice", r.choice());
        row.put("rating", r.rating());
        if (r.preferred() != null) row.put("preferred", r.preferred());
        row.put("time", time);
        append(feedback, row);
    }

    private static void append(Writer w, Map<String, Object> row) {
        try {
            w.write(Json.write(row));
            w.write('\n');
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the conversation log: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try (conversations; feedback) {
            // both closed, the second even when the first fails
        }
    }
}
