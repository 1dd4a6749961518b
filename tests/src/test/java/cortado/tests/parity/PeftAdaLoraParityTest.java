package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.adalora.AdaLoraAllocation;
import cortado.peft.adalora.AdaLoraConfig;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AdaLoRA against HF PEFT 0.21 (tools/golden/make_peft_adalora_golden.py), on tiny Llama (q, v and down projections)
 * and GPT-2 (c_attn, Conv1D) bases:
 *
 * <ul>
 *   <li>adapters peft trained and saved with a rank_pattern (tensors cut to the kept triplets, ranknum left out) load
 *       here and give peft's logits, active and after merge_and_unload (1e-5 of the largest logit);</li>
 *   <li>from the same redrawn start, the same SGD steps with {@link AdaLoraAllocation} give peft's loss (cross-entropy
 *       plus the orthogonal regularization) and cross-entropy at every step, the schedule's budget, and exactly the
 *       rank_pattern peft's update_and_allocate wrote (warm-up, budget phase every deltaT steps, the final
 *       allocation, the fixed pattern after it); the trained logits are peft's, and the adapter saved here holds
 *       peft's rank_pattern and peft's tensor shapes and values.</li>
 * </ul>
 *
 * <p>Tolerance 1e-5 relative (of the largest logit or tensor element; of the loss), for both parts: float32 in
 * different summation orders, measured at most 1.4e-6 on the loaded adapters and at most 3e-7 on the losses and 2e-6 on
 * the trained logits through the 8 and 5 SGD steps (lr 0.2 and 0.1: at lr 0.5 the replay is chaotic enough to
 * amplify those float32 differences to 1e-4 by step 8). A wrong regularization (its weight, or a term left out) moves
 * the loss by 1e-2 and more. The masks are compared exactly: a triplet score off by a summation-order ulp could only
 * flip a near tie, and none is near one in these cases. Planted bugs, each caught: the scaling divided by the current
 * rank instead of ranknum (the loaded adapters' logits, both cases), AᵀA instead of AAᵀ in the regularization (the loss
 * at step 0), the triplet score without its singular value's term (the rank_pattern at step 2), a squared instead of
 * cubic budget schedule (the budget at step 1 / 2); B cut by rows instead of columns on save fails AdaLoraTest and
 * the live interop check.
 */
class PeftAdaLoraParityTest {
    private static final double TOL = 1e-5, TRAIN_TOL = 1e-5;

    @TempDir Path dir;

    private static double rel(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        return Golden.relativeToMax(a.contiguous(), b);
    }

    private static String base(String name) { return name.endsWith("gpt2") ? "gpt2" : "llama"; }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_llama", "adalora_gpt2"})
    void adaptersPeftTrainedAndSavedGivePeftsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_adalora_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path(base(name))), Golden.path("peft/" + name));
        assertThat(((AdaLoraConfig) peft.config("default")).rankPattern()).isNotNull();
        try (NoGrad ng = NoGrad.enter()) {
            double active = rel(peft.model().forward(Golden.ints(idsT), b, t), g.get(name + ".logits"));
            assertThat(active).as(name + " logits").isLessThanOrEqualTo(TOL);
            double merged = rel(peft.mergeAndUnload().forward(Golden.ints(idsT), b, t), g.get(name + ".merged"));
            assertThat(merged).as(name + " merged").isLessThanOrEqualTo(TOL);
            System.out.printf("peft -> cortado %s: max rel err %.2e, merged %.2e%n", name, active, merged);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adalora_llama", "adalora_gpt2"})
    @SuppressWarnings("unchecked")
    void rankAllocationStepsArePefts(String name) throws Exception {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_adalora_golden.safetensors"));
        Map<String, Object> golden = (Map<String, Object>) Json.parseObject(
                Files.readString(Golden.path("peft_adalora_steps.json"))).get(name);
        List<Map<String, Object>> steps = (List<Map<String, Object>>) golden.get("steps");
        float lr = ((Number) golden.get("lr")).floatValue();
        // peft's saved config, before any allocation: the same schedule and targets, no rank_pattern
        AdaLoraConfig config = ((AdaLoraConfig) AdapterFiles.readConfig(Golden.path("peft/" + name))).withRankPattern(null);
        CausalLm model = HfCheckpoint.load(Golden.path(base(name)));
        PeftModel peft = PeftModel.wrap(model, config, 0);
        peft.adapterStateDict("default").forEach((key, p) -> p.set(g.get(name + ".init." + key)));
        AdaLoraAllocation allocation = new AdaLoraAllocation(peft);

        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT), targets = new int[ids.length];
        for (int i = 0; i < ids.length; i++) targets[i] = i % t == t - 1 ? CausalLm.IGNORE_INDEX : ids[i + 1];
        Map<String, Parameter> trainable = peft.adapterParameters("default");
        double worst = 0;
        for (Map<String, Object> s : steps) {
            int step = ((Number) s.get("step")).intValue();
            Tensor ce = model.loss(ids, targets, b, t);
            Tensor loss = allocation.loss(ce);
            double lossErr = Math.abs(loss.item() - ((Number) s.get("loss")).doubleValue()) / ((Number) s.get("loss")).doubleValue();
            double ceErr = Math.abs(ce.item() - ((Number) s.get("ce")).doubleValue()) / ((Number) s.get("ce")).doubleValue();
            assertThat(lossErr).as(name + " loss at step " + step).isLessThanOrEqualTo(TRAIN_TOL);
            assertThat(ceErr).as(name + " cross-entropy at step " + step).isLessThanOrEqualTo(TRAIN_TOL);
            worst = Math.max(worst, Math.max(lossErr, ceErr));
            Autograd.backward(loss);
            // torch.optim.SGD without momentum, in place: p += -lr g (the gradient stays for the importance scores)
            for (Parameter p : trainable.values()) p.value().backend().axpyInPlace(p.value(), -lr, p.value().grad());
            Map<String, List<Boolean>> pattern = allocation.updateAndAllocate(step);
            for (Parameter p : model.module().namedParameters().values()) p.value().setGrad(null);
            assertThat(allocation.allocator().schedule().at(step).budget()).as(name + " budget at step " + step)
                    .isEqualTo(((Number) s.get("budget")).intValue());
            assertThat(pattern).as(name + " rank_pattern after step " + step).isEqualTo(s.get("rank_pattern"));
        }
        try (NoGrad ng = NoGrad.enter()) {
            double logits = rel(model.forward(ids, b, t), g.get(name + ".logits"));
            System.out.printf("%s: %d steps, worst loss rel err %.2e, trained logits %.2e%n", name, steps.size(), worst, logits);
            assertThat(logits).as(name + " trained logits").isLessThanOrEqualTo(TRAIN_TOL);
        }
        AdapterFiles.save(peft, dir);
        Map<String, Object> ours = Json.parseObject(Files.readString(dir.resolve(AdapterFiles.CONFIG)));
        Map<String, Object> theirs = Json.parseObject(Files.readString(Golden.path("peft/" + name + "/" + AdapterFiles.CONFIG)));
        assertThat(ours.get("rank_pattern")).isEqualTo(theirs.get("rank_pattern"));
        Map<String, Tensor> saved = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        Map<String, Tensor> peftSaved = Safetensors.load(Golden.path("peft/" + name + "/" + AdapterFiles.WEIGHTS));
        assertThat(saved.keySet()).isEqualTo(peftSaved.keySet());
        for (String k : saved.keySet()) assertThat(rel(saved.get(k), peftSaved.get(k))).as(k).isLessThanOrEqualTo(TRAIN_TOL);
    }
}
