package cortado.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The YAML subset of task files against PyYAML's safe_load (golden by tools/golden/eval/make_yaml_golden.py). */
class TaskYamlTest {

    @Test
    void parsesAsPyYaml() {
        List<Map<String, Object>> cases = Golden.cast(Golden.json("yaml_cases.json").get("cases"));
        assertThat(cases).hasSizeGreaterThan(5);
        for (int i = 0; i < cases.size(); i++) {
            String yaml = (String) cases.get(i).get("yaml");
            assertThat(TaskYaml.parse(yaml, "case" + i + ".yaml")).as("case %d:\n%s", i, yaml).isEqualTo(cases.get(i).get("value"));
        }
    }

    @Test
    void errorsNameTheFileAndLine() {
        assertThatThrownBy(() -> TaskYaml.parse("task: a\ndoc_to_text: !function utils.doc_to_text\n", "t.yaml"))
                .hasMessageStartingWith("t.yaml:2: YAML tag '!function' is not supported");
        assertThatThrownBy(() -> TaskYaml.parse("task: a\n  bad: 1\n", "t.yaml")).hasMessageStartingWith("t.yaml:2:");
        assertThatThrownBy(() -> TaskYaml.parse("task: \"open\n", "t.yaml")).hasMessageStartingWith("t.yaml:1: unterminated");
        assertThatThrownBy(() -> TaskYaml.parse("a: 1\na: 2\n", "t.yaml")).hasMessage("t.yaml:2: duplicate key 'a'");
    }
}
