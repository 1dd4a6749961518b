package cortado.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static cortado.metrics.Golden.*;
import static cortado.metrics.SquadAnswers.Version.V1_1;
import static cortado.metrics.SquadAnswers.Version.V2_0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Exact match and F1 against the official SQuAD v1.1 and v2.0 scripts' answer scoring, run by the golden generator on
 * edge cases (empty answers, articles inside words, punctuation, Unicode). Tolerance 1e-12: one division of small
 * integers each.
 */
class SquadAnswersTest {
    @Test
    void edgeCasesEqualTheOfficialScripts() {
        for (Object o : list(load("squad_golden.json").get("cases"))) {
            Map<String, Object> c = map(o);
            String pred = (String) c.get("prediction");
            List<String> golds = strings(c.get("golds"));
            String what = "[" + pred + "] vs " + golds;
            assertThat(SquadAnswers.normalize(pred)).as("normalize " + what).isEqualTo(c.get("normalized"));
            assertThat(SquadAnswers.bestExactMatch(pred, golds, V1_1)).as("v1.1 EM " + what).isEqualTo(number(c.get("v1_em")));
            assertThat(SquadAnswers.bestF1(pred, golds, V1_1)).as("v1.1 F1 " + what).isCloseTo(number(c.get("v1_f1")), within(1e-12));
            assertThat(SquadAnswers.bestExactMatch(pred, golds, V2_0)).as("v2.0 EM " + what).isEqualTo(number(c.get("v2_em")));
            assertThat(SquadAnswers.bestF1(pred, golds, V2_0)).as("v2.0 F1 " + what).isCloseTo(number(c.get("v2_f1")), within(1e-12));
        }
    }

    @Test
    void definitionsOnTheScriptsEdgeCases() {
        // What the scripts' code says, restated: articles are whole words only, punctuation is deleted (not split),
        // and the versions disagree only on empty token lists.
        assertThat(SquadAnswers.normalize("The  Eiffel-Tower, a landmark!")).isEqualTo("eiffeltower landmark");
        assertThat(SquadAnswers.normalize("Theory anthem")).isEqualTo("theory anthem");
        assertThat(SquadAnswers.f1("", "", V2_0)).isEqualTo(1.0);
        assertThat(SquadAnswers.f1("", "", V1_1)).isEqualTo(0.0);
        assertThat(SquadAnswers.f1("the", "a", V2_0)).isEqualTo(1.0); // both normalize to no tokens
        assertThat(SquadAnswers.exactMatch("The cat.", "cat")).isEqualTo(1.0);
        assertThat(SquadAnswers.f1("cat cat dog", "cat dog dog", V1_1)).isCloseTo(2 / 3.0, within(1e-12));
    }
}
