package cortado.eval.robust;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.eval.MultipleChoiceTask;
import cortado.eval.Task;
import cortado.eval.TaskLoader;
import cortado.eval.TextScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The greedy search on a scorer whose answer is known: choice "no" gains one nat per 'x' in the prompt and wins at
 * two, so the smallest flipping set is two edits z -> x (x is next to z on the keyboard); the search must find it,
 * drop nothing it needs, and fail within a budget of one.
 */
class GreedyCharAttackTest {
    @TempDir Path dir;

    /** ll(" yes") = 0; ll(" no") = (number of 'x' in the context) - 1.5. */
    static final TextScorer COUNTS_X = requests -> {
        List<TextScorer.Scored> out = new ArrayList<>();
        for (MultipleChoiceTask.Request r : requests) {
            long x = r.context().chars().filter(c -> c == 'x').count();
            out.add(new TextScorer.Scored(r.continuation().equals(" yes") ? 0 : x - 1.5, 1, false));
        }
        return out;
    };

    /**
     * ll(" no") = g(which of the three letters after "Q: " are 'x') - 1.5, g not additive: greedy takes position 0
     * first (1.0 alone), then 1 (1.2), then 2 (2.0, flipped); but positions 1 and 2 alone give 1.6 and flip, so
     * pruning must drop the first edit.
     */
    static final TextScorer NOT_ADDITIVE = requests -> {
        double[] g = {0, 1.0, 0.9, 1.2, 0.8, 1.1, 1.6, 2.0};   // by mask: bit 0 = position 0, ...
        List<TextScorer.Scored> out = new ArrayList<>();
        for (MultipleChoiceTask.Request r : requests) {
            String q = r.context().substring(3, 6);
            int mask = 0;
            for (int i = 0; i < 3; i++) if (q.charAt(i) == 'x') mask |= 1 << i;
            out.add(new TextScorer.Scored(r.continuation().equals(" yes") ? 0 : g[mask] - 1.5, 1, false));
        }
        return out;
    };

    @Test
    void dropsTheEditsTheFlipDoesNotNeed() throws Exception {
        GreedyCharAttack.Outcome o = new GreedyCharAttack(NOT_ADDITIVE, 3).run(task("zzz"), 0, 1, 1234).outcomes().get(0);
        assertThat(o.flipped()).isTrue();
        assertThat(o.edits()).extracting(GreedyCharAttack.Edit::position).containsExactly(1, 2);
        assertThat(o.adversarialPrompt()).isEqualTo("Q: zxx\nA:");
    }

    Task task() throws Exception { return task("zzzz"); }

    Task task(String first) throws Exception {
        Files.writeString(dir.resolve("t.jsonl"), "{\"q\": \"" + first + "\", \"choices\": [\"yes\", \"no\"], \"label\": 0}\n"
                + "{\"q\": \"xxx\", \"choices\": [\"yes\", \"no\"], \"label\": 0}\n");
        Files.writeString(dir.resolve("t.yaml"), """
                task: t
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: t.jsonl
                test_split: test
                output_type: multiple_choice
                doc_to_text: "Q: {{q}}\\nA:"
                doc_to_target: label
                doc_to_choice: choices
                """);
        return new TaskLoader(List.of()).load(dir.resolve("t.yaml").toString());
    }

    @Test
    void findsTheTwoEditsThatFlipAndNoMore() throws Exception {
        GreedyCharAttack.Summary s = new GreedyCharAttack(COUNTS_X, 4).run(task(), 0, null, 1234);
        assertThat(s.attacked()).isEqualTo(1);   // "xxx" is already answered "no": skipped
        assertThat(s.outcomes().get(1).attacked()).isFalse();
        GreedyCharAttack.Outcome o = s.outcomes().get(0);
        assertThat(o.flipped()).isTrue();
        assertThat(o.edits()).hasSize(2).allSatisfy(e -> {
            assertThat(e.before()).isEqualTo("z");
            assertThat(e.after()).isEqualTo("x");
        });
        assertThat(o.adversarialPick()).isEqualTo("no");
        assertThat(o.adversarialPrompt()).matches("Q: (?=.*x.*x)[zx]{4}\\nA:");
        assertThat(s.successRate()).isEqualTo(1.0);
        assertThat(s.meanEdits()).isEqualTo(2.0);

        GreedyCharAttack.Summary tight = new GreedyCharAttack(COUNTS_X, 1).run(task(), 0, null, 1234);
        assertThat(tight.succeeded()).isZero();
        assertThat(tight.successRate()).isEqualTo(0.0);
        assertThat(tight.meanEdits()).isNaN();
    }
}
