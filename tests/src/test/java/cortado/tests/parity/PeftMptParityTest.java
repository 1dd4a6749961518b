package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftException;
import cortado.peft.PeftModel;
import cortado.peft.multitaskprompttuning.MultitaskPromptTuningConfig;
import cortado.peft.prompt.PromptLearningLm;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multitask prompt tuning against HF PEFT 0.21 (tools/golden/make_peft_mpt_golden.py): adapters peft saved on the tiny
 * GPT-2 and Llama (two and three tasks, every tensor redrawn from N(0, 1)) load here and give peft's logits for each
 * row's task id, and for the task ids swapped between the rows; batched left-padded greedy generation with a task id
 * per row gives each row the tokens peft generates for it alone; trainable counts equal peft's; the adapter Cortado
 * saves has exactly peft's keys and shapes and peft's config; the source inits (AVERAGE_SOURCE_TASKS,
 * EXACT_SOURCE_TASK, ONLY_SOURCE_SHARED over the GPT-2 adapter's file) build peft's tensors.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5 (float32 through two layers; measured ~1e-6). Planted bug, caught: the
 * rows' task ids swapped in PromptLearningLm's prompt placement (rel err 1.27 on GPT-2, 1.54 on Llama, and the
 * generated tokens).
 */
class PeftMptParityTest {
    private static final double TOL = 1e-5;
    @TempDir Path tmp;

    private static Map<String, Tensor> golden() { return Safetensors.load(Golden.path("peft_mpt_golden.safetensors")); }

    private static String base(String name) { return name.endsWith("gpt2") ? "gpt2" : "llama"; }

    private static PeftModel load(String name) {
        return AdapterFiles.load(HfCheckpoint.load(Golden.path(base(name))), Golden.path("peft_mpt/" + name));
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mpt_gpt2", "mpt_llama"})
    void adaptersPeftSavedGivePeftsLogitsPerTaskId(String name) {
        Map<String, Tensor> g = golden();
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] tasks = Golden.ints(g.get(name + ".task_ids"));
        PromptLearningLm lm = (PromptLearningLm) load(name).model();
        try (NoGrad ng = NoGrad.enter()) {
            for (var c : List.of(Map.entry(".logits", tasks), Map.entry(".logits_swapped", reversed(tasks)))) {
                Tensor logits = lm.forward(Golden.ints(idsT), c.getValue(), b, t);
                assertThat(logits.shape()).isEqualTo(g.get(name + c.getKey()).shape());
                double rel = Golden.relativeToMax(logits.contiguous(), g.get(name + c.getKey()));
                System.out.printf("peft -> cortado %s%s tasks %s: max rel err %.2e%n", name, c.getKey(),
                        Arrays.toString(c.getValue()), rel);
                assertThat(rel).as(name + c.getKey()).isLessThanOrEqualTo(TOL);
            }
            // The tasks' prompts differ enough that a wrong task id cannot pass.
            assertThat(Golden.relativeToMax(g.get(name + ".logits"), g.get(name + ".logits_swapped"))).isGreaterThan(1e-2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mpt_gpt2", "mpt_llama"})
    void batchedGenerationWithATaskIdPerRowGivesPeftsTokens(String name) {
        Map<String, Tensor> g = golden();
        int[] ids = Golden.ints(g.get(name + ".input_ids"));
        int t = g.get(name + ".input_ids").size(1);
        int[] tasks = Golden.ints(g.get(name + ".task_ids"));
        List<int[]> prompts = List.of(Arrays.copyOfRange(ids, 0, t), Arrays.copyOfRange(ids, t, 2 * t - 2));
        PromptLearningLm lm = (PromptLearningLm) load(name).model();
        var out = lm.withTaskIds(tasks, () -> new Generator(lm).generate(prompts,
                List.of(Sampler.greedy(), Sampler.greedy()), new StoppingCriteria(5, Set.of(), List.of()), null, null));
        for (int row = 0; row < 2; row++)
            assertThat(out.get(row).tokens()).as(name + " row " + row)
                    .containsExactly(Golden.ints(g.get(name + ".generated." + row)));
    }

    /** A fresh adapter of peft's config: peft's trainable count; saved, exactly peft's keys, shapes and config. */
    @ParameterizedTest
    @ValueSource(strings = {"mpt_gpt2", "mpt_llama"})
    void countsKeysAndConfigArePefts(String name) throws Exception {
        Path peftDir = Golden.path("peft_mpt/" + name);
        Map<String, Object> counts = Json.parseObject(Files.readString(Golden.path("peft_mpt_counts.json")));
        MultitaskPromptTuningConfig saved = (MultitaskPromptTuningConfig) AdapterFiles.readConfig(peftDir);
        MultitaskPromptTuningConfig fresh = MultitaskPromptTuningConfig.of(saved.fields().numVirtualTokens(),
                saved.numTasks(), saved.numRanks());
        PeftModel ours = PeftModel.wrap(HfCheckpoint.load(Golden.path(base(name))), fresh, 3);
        assertThat(ours.trainableAndAll()[0]).isEqualTo(((Number) counts.get(name)).longValue());
        Path dir = tmp.resolve(name);
        AdapterFiles.save(ours, dir);
        assertThat(shapes(Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS))))
                .isEqualTo(shapes(Safetensors.load(peftDir.resolve(AdapterFiles.WEIGHTS))));
        // The config read from peft's file writes back as peft wrote it, field for field.
        Map<String, Object> peftJson = Json.parseObject(Files.readString(peftDir.resolve(AdapterFiles.CONFIG)));
        peftJson.remove("auto_mapping");   // null with a task_type; Cortado writes it only without one
        assertThat(load(name).config("default").toJson(null)).containsExactlyInAnyOrderEntriesOf(peftJson);
    }

    private static Map<String, List<Integer>> shapes(Map<String, Tensor> t) {
        Map<String, List<Integer>> out = new TreeMap<>();
        t.forEach((k, v) -> out.put(k, Arrays.stream(v.shape()).boxed().toList()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"AVERAGE_SOURCE_TASKS", "EXACT_SOURCE_TASK", "ONLY_SOURCE_SHARED"})
    void sourceInitsBuildPeftsEncoder(String init) {
        Map<String, Tensor> g = golden();
        String source = Golden.path("peft_mpt/mpt_gpt2/adapter_model.safetensors").toString();
        MultitaskPromptTuningConfig c = MultitaskPromptTuningConfig.of(4, init.equals("ONLY_SOURCE_SHARED") ? 2 : 1, 2)
                .withInit(init, null, null, source, init.equals("EXACT_SOURCE_TASK") ? 1 : 0);
        PeftModel ours = PeftModel.wrap(HfCheckpoint.load(Golden.path("gpt2")), c, 0);
        Map<String, Parameter> params = ((PromptLearningLm) ours.model()).encoder("default").namedParameters();
        List<String> names = g.keySet().stream().filter(k -> k.startsWith(init + ".")).map(k -> k.substring(init.length() + 1)).toList();
        assertThat(names).isNotEmpty();
        for (String n : names) {
            double rel = Golden.relativeToMax(params.get(n).value().contiguous(), g.get(init + "." + n));
            assertThat(rel).as(init + " " + n).isLessThanOrEqualTo(TOL);
        }
    }

    @Test
    void aSourceInitWithoutAUsableFileIsRefused() {
        MultitaskPromptTuningConfig c = MultitaskPromptTuningConfig.of(4, 2, 2);
        assertThatThrownBy(() -> PeftModel.wrap(HfCheckpoint.load(Golden.path("gpt2")),
                c.withInit("EXACT_SOURCE_TASK", null, null, null, 0), 0)).isInstanceOf(PeftException.class)
                .hasMessage("prompt_tuning_init_state_dict_path needs to be specified with EXACT_SOURCE_TASK init method");
        String source = Golden.path("peft_mpt/mpt_gpt2/adapter_model.safetensors").toString();
        // peft's strict load: one source task into a two-task prompt does not fit.
        assertThatThrownBy(() -> PeftModel.wrap(HfCheckpoint.load(Golden.path("gpt2")),
                c.withInit("EXACT_SOURCE_TASK", null, null, source, 0), 0)).isInstanceOf(PeftException.class)
                .hasMessageContaining("size mismatch for prefix_task_cols");
        assertThatThrownBy(() -> PeftModel.wrap(HfCheckpoint.load(Golden.path("gpt2")),
                c.withInit("AVERAGE_SOURCE_TASKS", null, null, "source.bin", 0), 0)).isInstanceOf(PeftException.class)
                .hasMessageContaining("is not a .safetensors file");
    }
}
