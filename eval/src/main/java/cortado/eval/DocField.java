package cortado.eval;

import cortado.data.chat.ChatTemplate;

import java.util.List;
import java.util.Map;

/**
 * One of an lm-eval task's {@code doc_to_text}/{@code doc_to_target}/{@code doc_to_choice} values: a document
 * field's name (the field's value, as lm-eval uses it when the name is a dataset feature), a Jinja template over the
 * document's fields, or a constant written in the task file (a list of choices, an index). Templates run on the data
 * module's Jinja engine, the chat-template one; for templates without block tags ({@code {{field}}} only) its HF
 * whitespace settings give lm-eval's output.
 *
 * @param constant the value when the task file gives one directly (not a string), else null
 */
public record DocField(String spec, ChatTemplate template, Object constant) {

    public static DocField of(String spec) {
        return new DocField(spec, ChatTemplate.compile(spec, "template '" + spec + "'"), null);
    }

    /** A task file's value: a string is a field name or template, a list or number a constant. */
    public static DocField of(Object value) {
        if (value instanceof String s) return of(s);
        if (value instanceof List<?> || value instanceof Number) return new DocField(String.valueOf(value), null, value);
        throw new IllegalArgumentException("expected a field name, a template, a list or a number, got " + value);
    }

    /** The constant, else the field's value when the spec names a field, else the rendered template (a String). */
    public Object resolve(Map<String, Object> doc) {
        if (constant != null) return constant;
        if (doc.containsKey(spec)) return doc.get(spec);
        return template.render(List.of(), false, doc).text();
    }

    /** {@link #resolve} as text, for doc_to_text and templates; a non-text field is refused with the field named. */
    public String text(Map<String, Object> doc) {
        Object v = resolve(doc);
        if (!(v instanceof String s)) throw new IllegalArgumentException("doc field '" + spec + "' is not text: " + v);
        return s;
    }
}
