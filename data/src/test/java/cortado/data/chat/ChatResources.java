package cortado.data.chat;

import cortado.data.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Map;

/** Test resources under chat/: the fixture model directories and the goldens written by tools/chat/. */
final class ChatResources {
    /** The clock tools/chat/make_chat_goldens.py pins strftime_now to. */
    static final LocalDateTime CLOCK = LocalDateTime.of(2026, 3, 5, 10, 20, 30);

    private ChatResources() {}

    static Path path(String rel) {
        try {
            var url = ChatResources.class.getResource("/chat/" + rel);
            if (url == null) throw new IllegalStateException("missing test resource chat/" + rel);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> json(String rel) {
        try {
            return Json.parseObject(Files.readString(path(rel), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
