package cortado.serve;

import java.util.List;
import java.util.Map;

/** A reply that is all content (no tools, or {@code tool_choice: none}). */
final class TextReply implements ChoiceReader {
    @Override
    public List<Map<String, Object>> deltas(String text) {
        return text.isEmpty() ? List.of() : List.of(GenerationEndpoint.object("content", text));
    }

    @Override public List<Map<String, Object>> finish() { return List.of(); }

    @Override public Map<String, Object> message(String text) { return ChoiceReader.message(text, List.of()); }

    @Override public boolean calledTools() { return false; }
}
