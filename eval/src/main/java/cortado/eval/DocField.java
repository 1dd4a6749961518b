package cortado.eval;

import cortado.data.chat.ChatTemplate;

import java.util.List;
import java.util.Map;

/**
 * One of an lm-eval task's {@code doc_to_text}/{@code doc_to_target}/{@code doc_to_choice} strings: a document
 * field's name (the field's value, as lm-eval uses it when the name is a dataset feature) or else a Jinja template
 * over the document's fields. Templates run on the data module's Jinja engine, the chat-template one; for
 * templates without block tags ({@code {{field}}} only) its HF whitespace settings give lm-eval's output.
 */
public record DocField(String spec, ChatTemplate template) {

    public static DocField of(String spec) {
        return new DocField(spec, ChatTemplate.compile(spec, "template '" + spec + "'"));
    }

    /** The field's value when the spec names a field, else the rendered template (a String). */
    public Object resolve(Map<String, Object> doc) {
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
