package cortado.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tool_choice: auto}: the model decides. Text streams as content until it may begin a call in the model's
 * {@link ToolCallFormat}; from there it is held to the end and read: its calls go out as tool_calls deltas, or, when
 * it holds none, it goes out as content after all. Streamed and whole, a reply reads the same.
 */
final class ToolCallReply implements ChoiceReader {
    private final ToolCallFormat format;
    private final StringBuilder text = new StringBuilder();
    private int printed;
    private boolean called;

    ToolCallReply(ToolCallFormat format) { this.format = format; }

    @Override
    public List<Map<String, Object>> deltas(String piece) {
        text.append(piece);
        int hold = format.holdFrom(text.toString());
        return content(hold < 0 ? text.length() : hold);
    }

    @Override
    public List<Map<String, Object>> finish() {
        ToolCallFormat.Parsed parsed = format.parse(text.toString());
        called = !parsed.calls().isEmpty();
        if (!called) return content(text.length());
        return ChoiceReader.callDeltas(parsed.calls(), 0);
    }

    private List<Map<String, Object>> content(int end) {
        if (end <= printed) return List.of();
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(GenerationEndpoint.object("content", text.substring(printed, end)));
        printed = end;
        return out;
    }

    @Override
    public Map<String, Object> message(String whole) {
        ToolCallFormat.Parsed parsed = format.parse(whole);
        called = !parsed.calls().isEmpty();
        return ChoiceReader.message(parsed.content(), parsed.calls());
    }

    @Override public boolean calledTools() { return called; }
}
