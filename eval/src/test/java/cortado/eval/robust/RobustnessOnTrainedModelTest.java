package cortado.eval.robust;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.tokenizer.ByteTokenizer;
import cortado.eval.Evaluator;
import cortado.eval.LoglikelihoodScorer;
import cortado.eval.ModelTextScorer;
import cortado.eval.MultipleChoiceTask;
import cortado.eval.RequestEncoder;
import cortado.eval.Task;
import cortado.eval.TaskLoader;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.train.Batches;
import cortado.train.PromptCompletion;
import cortado.train.TrainConfig;
import cortado.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Robustness on a model that has learnt its task: a tiny byte-level GPT-2 trained here (train's Trainer, a few
 * hundred steps) to answer which of three colours each of 24 made-up words goes with, scored through the harness.
 * Clean, it answers them; under heavier perturbation of the word, accuracy drops further; the greedy attack flips
 * answers within its budget, and every edit of each flipped set is needed.
 */
class RobustnessOnTrainedModelTest {
    @TempDir static Path dir;
    static final String[] WORDS = {"brimolet", "quandrix", "felsotar", "mirrowby", "tandelquo", "gosperin", "vaxtimul",
            "plorendo", "skimbaret", "juvelpor", "hexomira", "crundalit", "wobraxen", "fimpletor", "zandovik", "lurqesta",
            "dromlivek", "pestivara", "yolbrund", "kestimor", "nivaplex", "trobulang", "simquerat", "ozmeldrin"};
    static final String[] COLORS = {"red", "green", "blue"};
    static Task task;
    static CausalLm model;
    static Evaluator evaluator;
    static ModelTextScorer scorer;

    @BeforeAll
    static void trainAModelThatKnowsTheTask() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < WORDS.length; i++)
            jsonl.append("{\"word\": \"").append(WORDS[i]).append("\", \"choices\": [\"red\", \"green\", \"blue\"], \"label\": ")
                    .append(i % 3).append("}\n");
        Files.writeString(dir.resolve("colors.jsonl"), jsonl);
        Files.writeString(dir.resolve("colors.yaml"), """
                task: colors
                dataset_path: json
                dataset_kwargs:
                  data_files:
                    test: colors.jsonl
                test_split: test
                output_type: multiple_choice
                doc_to_text: "Word: {{word}}\\nColor:"
                doc_to_target: label
                doc_to_choice: choices
                metric_list:
                  - metric: acc
                """);
        task = new TaskLoader(List.of()).load(dir.resolve("colors.yaml").toString());
        ByteTokenizer tok = new ByteTokenizer();
        List<PromptCompletion> rows = new ArrayList<>();
        for (int i = 0; i < WORDS.length; i++)
            rows.add(new PromptCompletion(tok.encode("Word: " + WORDS[i] + "\nColor:"), tok.encode(" " + COLORS[i % 3])));
        model = Models.create(Gpt2Config.of(257, 64, 48, 2, 2, ByteTokenizer.END_OF_TEXT), 21);
        TrainConfig cfg = new TrainConfig(300, 16, 32, 1e-2f, 10, "cosine", 0f, 1f, 1, 0, 1, 3, false, 0);
        Trainer trainer = new Trainer(model, cfg, Batches.examples(rows, 16, 32, 3), null);
        for (int i = 0; i < cfg.steps(); i++) trainer.step();
        RequestEncoder encoder = new RequestEncoder(tok, ByteTokenizer.END_OF_TEXT);
        LoglikelihoodScorer ll = new LoglikelihoodScorer(model, 8, 64, true);
        evaluator = new Evaluator(ll, encoder, 1234);
        scorer = new ModelTextScorer(encoder, ll);
    }

    @Test
    void heavierPerturbationsDropAccuracyMore() {
        List<Perturbation> perturbations = List.of(new KeyboardTypos(), new CharacterSwaps(), new CaseFlips());
        RobustnessProbe.Result r = RobustnessProbe.run(evaluator, List.of(task), 0, null, perturbations, new double[] {0.1, 0.5}, 17).get(0);
        assertThat(r.clean().get("acc").mean()).as("the model learnt the task").isGreaterThanOrEqualTo(0.9);
        Map<String, double[]> drops = new LinkedHashMap<>();
        for (RobustnessProbe.Cell c : r.cells())
            drops.computeIfAbsent(c.perturbation(), k -> new double[2])[c.severity() < 0.3 ? 0 : 1] = c.drop().get("acc").mean();
        for (var e : drops.entrySet()) {
            assertThat(e.getValue()[1]).as("%s: drop at 0.5 (%s) exceeds drop at 0.1 (%s)", e.getKey(), e.getValue()[1], e.getValue()[0])
                    .isGreaterThan(e.getValue()[0]);
        }
        assertThat(drops.get("typos")[1]).isGreaterThan(0.2);
        // the drop is the paired difference: clean minus perturbed accuracy
        for (RobustnessProbe.Cell c : r.cells())
            assertThat(c.drop().get("acc").mean()).isCloseTo(r.clean().get("acc").mean() - c.metrics().get("acc").mean(),
                    org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void theGreedyAttackFlipsAnswersWithEditsThatAreAllNeeded() {
        GreedyCharAttack.Summary s = new GreedyCharAttack(scorer, 3).run(task, 0, 8, 1234);
        assertThat(s.attacked()).isGreaterThanOrEqualTo(7);
        assertThat(s.succeeded()).isPositive();
        MultipleChoiceTask prompt = task.config().prompt();
        for (GreedyCharAttack.Outcome o : s.outcomes()) {
            if (!o.flipped()) continue;
            assertThat(o.edits()).hasSizeBetween(1, 3);
            Map<String, Object> doc = task.evalDocs().get(o.doc());
            String word = (String) doc.get("word");
            assertThat(pick(prompt, doc, apply(word, o.edits(), -1))).as("doc %d flipped", o.doc()).isNotEqualTo(prompt.gold(doc));
            for (int k = 0; k < o.edits().size() && o.edits().size() > 1; k++)
                assertThat(pick(prompt, doc, apply(word, o.edits(), k))).as("doc %d without edit %d", o.doc(), k).isEqualTo(prompt.gold(doc));
        }
    }

    /** The word with the edits applied, leaving out edit {@code skip} (-1: none). */
    static String apply(String word, List<GreedyCharAttack.Edit> edits, int skip) {
        char[] c = word.toCharArray();
        for (int k = 0; k < edits.size(); k++) {
            if (k == skip) continue;
            GreedyCharAttack.Edit e = edits.get(k);
            e.after().getChars(0, e.after().length(), c, e.position());
        }
        return new String(c);
    }

    static int pick(MultipleChoiceTask prompt, Map<String, Object> doc, String word) {
        Map<String, Object> d = new LinkedHashMap<>(doc);
        d.put("word", word);
        var s = scorer.score(prompt.requests(prompt.context(d, List.of()), doc));
        int best = 0;
        for (int j = 1; j < s.size(); j++) if (s.get(j).logLikelihood() > s.get(best).logLikelihood()) best = j;
        return best;
    }
}
