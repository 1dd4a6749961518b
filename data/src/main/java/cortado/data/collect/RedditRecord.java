package cortado.data.collect;

import java.util.Map;

/**
 * A Reddit comment or submission in the layout of the Pushshift dumps ({@code RC_*} comments with {@code body},
 * {@code RS_*} submissions with {@code title} and {@code selftext}), one JSON object per line. A submission's text
 * is its title, a blank line and its self text (link posts: the title alone). Content replaced by
 * {@code [deleted]} (by its author) or {@code [removed]} (by moderators) is skipped: what is left is no longer what
 * was written. A deleted account ({@code author: [deleted]}) with its text intact is kept.
 */
public final class RedditRecord {
    private RedditRecord() {}

    /** A record's text and provenance, or the reason it is skipped. */
    public record Result(String text, String id, String url, String title, String skipReason) {}

    /** Whether a JSONL record is a Reddit record: no "text" field, and a "body" (comment) or "selftext" (submission). */
    public static boolean matches(Map<?, ?> m) {
        return !m.containsKey("text") && (m.get("body") instanceof String || m.get("selftext") instanceof String);
    }

    public static Result of(Map<?, ?> m) {
        String id = m.get("name") instanceof String n ? n : m.get("id") instanceof String i ? i : null;
        String url = m.get("permalink") instanceof String p ? (p.startsWith("/") ? "https://www.reddit.com" + p : p) : null;
        if (m.get("body") instanceof String body) {
            if (removed(body)) return new Result(null, id, url, null, "reddit." + body.strip().replaceAll("[\\[\\]]", ""));
            String t = body.strip();
            return t.isEmpty() ? new Result(null, id, url, null, "reddit.empty") : new Result(t, id, url, null, null);
        }
        String title = m.get("title") instanceof String s ? s.strip() : "";
        String self = m.get("selftext") instanceof String s ? s.strip() : "";
        if (removed(self)) return new Result(null, id, url, title, "reddit." + self.replaceAll("[\\[\\]]", ""));
        String text = self.isEmpty() ? title : title.isEmpty() ? self : title + "\n\n" + self;
        return text.isEmpty() ? new Result(null, id, url, title, "reddit.empty") : new Result(text, id, url, title, null);
    }

    private static boolean removed(String s) {
        String t = s.strip();
        return t.equals("[deleted]") || t.equals("[removed]");
    }
}
