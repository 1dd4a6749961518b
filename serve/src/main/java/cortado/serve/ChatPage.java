package cortado.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The chat page at {@code /}: three static files from the jar (resources cortado/serve/chat/), read once. The page
 * talks to the same server through {@code /v1/models}, {@code /v1/chat/completions} (streamed) and
 * {@code /v1/feedback}; it needs no route of its own beyond these files, and no key to load (the API key, when the
 * server has one, is typed into the page and sent with its API calls).
 */
final class ChatPage {
    /** A file of the page: its bytes and content type. */
    record File(String text, String contentType) {}

    private static final Map<String, File> FILES = Map.of(
            "/", load("index.html", "text/html; charset=utf-8"),
            "/chat.js", load("chat.js", "text/javascript; charset=utf-8"),
            "/chat.css", load("chat.css", "text/css; charset=utf-8"));

    private ChatPage() {}

    /** The page's file at {@code path}, or null. */
    static File file(String path) { return FILES.get(path); }

    private static File load(String name, String type) {
        try (InputStream in = ChatPage.class.getResourceAsStream("chat/" + name)) {
            if (in == null) throw new IllegalStateException("the jar lacks cortado/serve/chat/" + name);
            return new File(new String(in.readAllBytes(), StandardCharsets.UTF_8), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
