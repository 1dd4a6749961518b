package cortado.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.multitaskprompttuning.MultitaskPromptTuningConfig;
import cortado.peft.prompt.PromptLearningLm;
import cortado.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multitask prompt tuning's invariants: training with a task id per row moves only the shared table and the factors
 * of the tasks the rows name (the base bit for bit, an unused task's factors too); the saved adapter (peft's three
 * tensors) loads back with the same logits for every task; the task ids decide the prompt row by row; a missing,
 * short or out-of-range task id is one clear error.
 */
class MultitaskPromptTuningTest {
    @TempDir Path tmp;

    private static final int B = 2, T = 5;

    private static Map<String, Supplier<CausalLm>> bases() {
        return Map.of("gpt2", () -> TinyModels.gpt2(3), "llama", () -> TinyModels.llama(4));
    }

    private static Map<String, float[]> snapshot(CausalLm m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.module().namedParameters().forEach((k, p) -> out.put(k, p.value().toArray()));
        return out;
    }

    private static float[] logits(PromptLearningLm lm, int[] tasks, int vocab) {
        try (NoGrad g = NoGrad.enter()) {
            return lm.forward(TinyModels.ids(B * T, vocab, 13), tasks, B, T).contiguous().toArray();
        }
    }

    @Test
    void onlyTheRowsTasksTrainAndTheSavedAdapterLoadsBack() throws Exception {
        for (var base : bases().entrySet()) {
            String what = "mpt on " + base.getKey();
            PeftModel peft = PeftModel.wrap(base.getValue().get(), MultitaskPromptTuningConfig.of(3, 3, 2), 5);
            PromptLearningLm lm = (PromptLearningLm) peft.model();
            int vocab = lm.config().vocabSize();
            assertThat(peft.adapterParameters("default").keySet()).as(what).containsExactlyInAnyOrder(
                    "prompt_encoder.default.embedding.weight", "prompt_encoder.default.prefix_task_cols",
                    "prompt_encoder.default.prefix_task_rows");
            Map<String, float[]> before = snapshot(lm);
            int[] tasks = {2, 0};   // task 1 is in no row
            int[] ids = TinyModels.ids(B * T, vocab, 11), targets = TinyModels.ids(B * T, vocab, 12);
            for (int step = 0; step < 2; step++) {
                Autograd.backward(lm.loss(ids, targets, tasks, B, T));
                try (NoGrad g = NoGrad.enter()) {
                    for (Parameter p : lm.module().namedParameters().values()) {
                        if (!p.trainable() || p.value().grad() == null) continue;
                        float[] v = p.value().toArray(), gr = p.value().grad().toArray();
                        for (int i = 0; i < v.length; i++) v[i] -= 0.1f * gr[i];
                        p.set(Tensor.of(v, p.shape()));
                        p.value().setGrad(null);
                    }
                }
            }
            Map<String, float[]> after = snapshot(lm);
            before.forEach((k, v) -> {
                if (k.startsWith("base_model.")) assertThat(after.get(k)).as(what + " " + k).containsExactly(v);
                else if (k.endsWith("embedding.weight")) assertThat(after.get(k)).as(what + " " + k).isNotEqualTo(v);
                else {
                    int each = v.length / 3;   // per task: [P, r] or [r, C]
                    for (int t = 0; t < 3; t++) {
                        float[] b4 = Arrays.copyOfRange(v, t * each, (t + 1) * each);
                        float[] now = Arrays.copyOfRange(after.get(k), t * each, (t + 1) * each);
                        if (t == 1) assertThat(now).as(what + " " + k + " unused task").containsExactly(b4);
                        else assertThat(now).as(what + " " + k + " task " + t).isNotEqualTo(b4);
                    }
                }
            });

            Path dir = tmp.resolve(base.getKey());
            AdapterFiles.save(peft, dir);
            assertThat(Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS)).keySet()).as(what)
                    .containsExactlyInAnyOrder("prompt_embeddings", "prefix_task_cols", "prefix_task_rows");
            PromptLearningLm loaded = (PromptLearningLm) AdapterFiles.load(base.getValue().get(), dir).model();
            lm.module().eval();
            for (int[] t : new int[][] {{2, 0}, {1, 1}, {0, 2}})
                assertThat(TinyModels.relDiff(logits(loaded, t, vocab), logits(lm, t, vocab))).as(what)
                        .isLessThanOrEqualTo(1e-6);
            // Each row's logits are its own task's: row 0 of tasks {0, 2} is row 0 of tasks {0, 0}.
            float[] mixed = logits(lm, new int[] {0, 2}, vocab), same = logits(lm, new int[] {0, 0}, vocab);
            int half = mixed.length / 2;
            assertThat(Arrays.copyOf(mixed, half)).containsExactly(Arrays.copyOf(same, half));
            assertThat(Arrays.copyOfRange(mixed, half, 2 * half)).isNotEqualTo(Arrays.copyOfRange(same, half, 2 * half));
        }
    }

    @Test
    void aBadTaskIdIsOneClearError() {
        PromptLearningLm lm = (PromptLearningLm) PeftModel.wrap(TinyModels.gpt2(1), MultitaskPromptTuningConfig.of(2, 2, 1), 0)
                .model();
        int[] ids = TinyModels.ids(B * T, 96, 1);
        assertThatThrownBy(() -> lm.forward(ids, new int[] {0, 2}, B, T)).isInstanceOf(PeftException.class)
                .hasMessage("task id 2 (row 1) is out of range: the adapter has 2 task(s), ids 0..1");
        assertThatThrownBy(() -> lm.forward(ids, new int[] {-1, 0}, B, T)).isInstanceOf(PeftException.class)
                .hasMessage("task id -1 (row 0) is out of range: the adapter has 2 task(s), ids 0..1");
        assertThatThrownBy(() -> lm.forward(ids, new int[] {0}, B, T)).isInstanceOf(PeftException.class)
                .hasMessage("1 task ids for a batch of 2 rows (one per row)");
        assertThatThrownBy(() -> lm.forward(ids, B, T)).isInstanceOf(PeftException.class)
                .hasMessageStartingWith("task_ids cannot be None");
        // One task for every row of calls that give no task ids, until turned off.
        lm.taskForEveryRow(1);
        try (NoGrad g = NoGrad.enter()) {
            assertThat(lm.forward(ids, B, T).toArray()).containsExactly(lm.forward(ids, new int[] {1, 1}, B, T).toArray());
        }
        lm.taskForEveryRow(-1);
        assertThatThrownBy(() -> lm.forward(ids, B, T)).hasMessageStartingWith("task_ids cannot be None");
        assertThatThrownBy(() -> MultitaskPromptTuningConfig.of(2, 0, 1)).hasMessage("num_tasks must be a positive integer, got 0");
        assertThatThrownBy(() -> MultitaskPromptTuningConfig.of(2, 1, 1).withInit("SAMPLE_VOCAB", null, null, null, 0))
                .hasMessageStartingWith("prompt_tuning_init must be one of [TEXT, RANDOM, AVERAGE_SOURCE_TASKS");
    }

    /** TEXT init: the shared table is the base's embeddings of the text's tokens, repeated to fill P. */
    @Test
    void textInitCopiesTheTokensEmbeddings() throws Exception {
        Path tok = Files.createDirectories(tmp.resolve("tok"));
        Files.writeString(tok.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "post_processor": null,
                 "decoder": null, "model": {"type": "BPE", "vocab": {"a": 5, "b": 7, "c": 9}, "merges": []}}
                """, StandardCharsets.UTF_8);
        CausalLm base = TinyModels.gpt2(6);
        MultitaskPromptTuningConfig c = MultitaskPromptTuningConfig.of(4, 2, 1).withInit("TEXT", "ba", tok.toString(), null, 0);
        PeftModel peft = PeftModel.wrap(base, c, 0);
        Tensor table = ((PromptLearningLm) peft.model()).encoder("default").output();
        try (NoGrad g = NoGrad.enter()) {
            assertThat(table.toArray()).containsExactly(base.embed(new int[] {7, 5, 7, 5}).toArray());
        }
    }
}
