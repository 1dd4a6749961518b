package cortado.data.text;

import java.util.List;
import java.util.Map;

/**
 * The text of one JSONL record, in the three layouts instruction and pretraining data use:
 * <ul>
 *   <li>{@code {"text": "..."}} as in The Pile, C4 and FineWeb;</li>
 *   <li>{@code {"prompt": "...", "completion": "..."}}: the two are concatenated as written (TRL's
 *       prompt-completion format, where the completion carries its own leading space or newline);</li>
 *   <li>{@code {"messages": [{"role": "user", "content": "..."}, ...]}} (OpenAI chat format): one
 *       {@code role: content} line per message. Content may be a string or a list of {@code {"type":"text","text":...}}
 *       parts. Model-specific chat templates belong to fine-tuning, not to pretraining data.</li>
 * </ul>
 */
public final class JsonlText {
    private JsonlText() {}

    /** The record's text; throws {@link IllegalArgumentException} naming the problem when it has none. */
    public static String of(Object record) {
        if (!(record instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected a JSON object");
        Object text = m.get("text");
        if (text != null) {
            if (!(text instanceof String s)) throw new IllegalArgumentException("field \"text\" is not a string");
            return s;
        }
        if (m.containsKey("prompt") || m.containsKey("completion")) {
            Object p = m.get("prompt"), c = m.get("completion");
            if (!(p instanceof String ps)) throw new IllegalArgumentException("field \"prompt\" is missing or not a string");
            if (!(c instanceof String cs)) throw new IllegalArgumentException("field \"completion\" is missing or not a string");
            return ps + cs;
        }
        Object messages = m.get("messages");
        if (messages != null) {
            if (!(messages instanceof List<?> list)) throw new IllegalArgumentException("field \"messages\" is not an array");
            StringBuilder b = new StringBuilder();
            int i = 0;
            for (Object msg : list) {
                if (!(msg instanceof Map<?, ?> mm))
                    throw new IllegalArgumentException("messages[" + i + "] is not an object");
                if (!(mm.get("role") instanceof String role))
                    throw new IllegalArgumentException("messages[" + i + "].role is missing or not a string");
                String content = content(mm.get("content"), i);
                if (b.length() > 0) b.append('\n');
                b.append(role).append(": ").append(content);
                i++;
            }
            return b.toString();
        }
        throw new IllegalArgumentException("no \"text\", \"prompt\"/\"completion\" or \"messages\" field");
    }

    private static String content(Object c, int i) {
        if (c instanceof String s) return s;
        if (c instanceof List<?> parts) {
            StringBuilder b = new StringBuilder();
            for (Object part : parts) {
                if (part instanceof Map<?, ?> pm && pm.get("text") instanceof String t) b.append(t);
                else if (part instanceof String s) b.append(s);
            }
            return b.toString();
        }
        throw new IllegalArgumentException("messages[" + i + "].content is missing or not a string or list of parts");
    }
}
