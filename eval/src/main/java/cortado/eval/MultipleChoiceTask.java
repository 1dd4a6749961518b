package cortado.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An lm-eval {@code output_type: multiple_choice} task's prompt side, as ConfigurableTask builds it in plain text
 * (no chat template, no gen_prefix): the description, then each few-shot example as
 * {@code text + target_delimiter + answer + fewshot_delimiter}, then the document's text; one log-likelihood
 * request {@code (context, target_delimiter + choice)} per choice.
 *
 * @param docToChoice a field holding the list of choices
 * @param docToTarget a field or template giving the answer's index into the choices (or the answer's text)
 */
public record MultipleChoiceTask(String name, DocField docToText, DocField docToTarget, DocField docToChoice,
                                 String description, String targetDelimiter, String fewshotDelimiter) {

    /** A request's two strings, lm-eval's {@code Instance.arguments} for loglikelihood. */
    public record Request(String context, String continuation) {}

    /** lm-eval's defaults: target_delimiter " ", fewshot_delimiter a blank line, no description. */
    public static MultipleChoiceTask of(String name, String docToText, String docToTarget, String docToChoice, String description) {
        return new MultipleChoiceTask(name, DocField.of(docToText), DocField.of(docToTarget), DocField.of(docToChoice),
                description == null ? "" : description, " ", "\n\n");
    }

    /** The choices: a list field or constant, or a template rendering a Python list literal (lm-eval literal_evals it). */
    public List<String> choices(Map<String, Object> doc) {
        Object v = docToChoice.resolve(doc);
        if (v instanceof String s && s.strip().startsWith("[")) {
            try {
                return PythonListLiteral.parse(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": doc_to_choice '" + docToChoice.spec() + "': " + e.getMessage());
            }
        }
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException(name + ": doc_to_choice '" + docToChoice.spec() + "' is not a list");
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) out.add(String.valueOf(o));
        return out;
    }

    /** The gold choice's index: an int field, a template rendering digits, or the answer's text among the choices. */
    public int gold(Map<String, Object> doc) {
        Object t = docToTarget.resolve(doc);
        List<String> c = choices(doc);
        int i;
        if (t instanceof Number n) i = n.intValue();
        else if (t instanceof String s && !s.isEmpty() && s.chars().allMatch(Character::isDigit)) i = Integer.parseInt(s);
        else i = c.indexOf(String.valueOf(t));
        if (i < 0 || i >= c.size()) throw new IllegalArgumentException(name + ": target " + t + " is not one of " + c);
        return i;
    }

    /** The prompt for {@code doc} after the given few-shot examples (lm-eval's fewshot_context, plain text). */
    public String context(Map<String, Object> doc, List<Map<String, Object>> fewshot) {
        StringBuilder b = new StringBuilder(description);
        for (Map<String, Object> fs : fewshot) {
            b.append(docToText.text(fs)).append(targetDelimiter).append(choices(fs).get(gold(fs))).append(fewshotDelimiter);
        }
        return b.append(docToText.text(doc)).toString();
    }

    public List<Request> requests(String context, Map<String, Object> doc) {
        List<Request> out = new ArrayList<>();
        for (String c : choices(doc)) out.add(new Request(context, targetDelimiter + c));
        return out;
    }
}
