package cortado.serve.feedback;

import cortado.data.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rated responses as training data for the recipes: SFT rows in the layouts {@code cortado sft} reads (chat:
 * {@code {"messages": [..., assistant]}}; completion: {@code {"prompt", "completion"}}) from every answer rated good
 * and every {@code preferred} answer a client wrote; DPO rows {@code {"prompt", "chosen", "rejected"}} in TRL's text
 * layout, which {@code cortado dpo} reads, with the prompt as the model saw it (chat template applied): a preferred
 * answer over the rated-bad one it replaces, and every good answer over every bad one to the same prompt text
 * (choices of one request, or requests repeated). Duplicate rows are written once.
 */
public final class FeedbackExport {
    private FeedbackExport() {}

    public static List<Map<String, Object>> sftRows(FeedbackRecords records) {
        Set<Map<String, Object>> rows = new LinkedHashSet<>();
        for (FeedbackRecords.Conversation c : records.conversations())
            for (int i = 0; i < c.choices().size(); i++) {
                ConversationLog.Rating r = records.rating(c, i);
                if (r == null) continue;
                if (r.rating().equals("good")) rows.add(sftRow(c, c.choices().get(i).text()));
                if (r.preferred() != null) rows.add(sftRow(c, r.preferred()));
            }
        return List.copyOf(rows);
    }

    public static List<Map<String, Object>> dpoRows(FeedbackRecords records) {
        Set<Map<String, Object>> rows = new LinkedHashSet<>();
        Map<String, List<String>> good = new LinkedHashMap<>(), bad = new LinkedHashMap<>();
        for (FeedbackRecords.Conversation c : records.conversations())
            for (int i = 0; i < c.choices().size(); i++) {
                ConversationLog.Rating r = records.rating(c, i);
                if (r == null) continue;
                String text = c.choices().get(i).text();
                (r.rating().equals("good") ? good : bad).computeIfAbsent(c.promptText(), k -> new ArrayList<>()).add(text);
                if (r.rating().equals("bad") && r.preferred() != null && !r.preferred().equals(text))
                    rows.add(dpoRow(c.promptText(), r.preferred(), text));
            }
        for (var e : good.entrySet())
            for (String chosen : e.getValue())
                for (String rejected : bad.getOrDefault(e.getKey(), List.of()))
                    if (!chosen.equals(rejected)) rows.add(dpoRow(e.getKey(), chosen, rejected));
        return List.copyOf(rows);
    }

    private static Map<String, Object> sftRow(FeedbackRecords.Conversation c, String answer) {
        Map<String, Object> row = new LinkedHashMap<>();
        if (c.kind().equals("chat")) {
            List<Object> messages = new ArrayList<>((List<?>) c.input());
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("role", "assistant");
            reply.put("content", answer);
            messages.add(reply);
            row.put("messages", messages);
        } else {
            row.put("prompt", c.promptText());
            row.put("completion", answer);
        }
        return row;
    }

    private static Map<String, Object> dpoRow(String prompt, String chosen, String rejected) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompt", prompt);
        row.put("chosen", chosen);
        row.put("rejected", rejected);
        return row;
    }

    /** Writes {@code rows} as JSON Lines to {@code file} through a temporary file renamed into place. */
    public static void write(List<Map<String, Object>> rows, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        try {
            StringBuilder sb = new StringBuilder();
            for (Map<String, Object> row : rows) sb.append(Json.write(row)).append('\n');
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
