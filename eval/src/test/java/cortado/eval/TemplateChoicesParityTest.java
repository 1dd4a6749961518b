package cortado.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Jinja doc_to_choice (rendered to a Python list literal, then literal_eval'd as lm-eval does) and a Jinja
 * doc_to_target giving the answer's text, against lm_eval 0.4.13's ConfigurableTask on strings with quotes,
 * backslashes, tabs, newlines and non-ASCII (golden by tools/golden/eval/make_choice_template_golden.py). Exact.
 */
class TemplateChoicesParityTest {

    @Test
    void choicesAndGoldEqualLmEval() {
        Map<String, Object> golden = Golden.json("template_choices.json");
        Map<String, Object> cfg = Golden.cast(golden.get("config"));
        MultipleChoiceTask task = MultipleChoiceTask.of("tpl", (String) cfg.get("doc_to_text"), (String) cfg.get("doc_to_target"),
                (String) cfg.get("doc_to_choice"), "");
        List<Map<String, Object>> docs = Golden.jsonl("template_choices.jsonl");
        List<Map<String, Object>> rows = Golden.cast(golden.get("rows"));
        assertThat(rows).hasSize(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            assertThat(task.choices(docs.get(i))).as("doc %d", i).isEqualTo(rows.get(i).get("choices"));
            assertThat(task.gold(docs.get(i))).as("doc %d gold", i).isEqualTo(((Number) rows.get(i).get("gold")).intValue());
        }
    }
}
