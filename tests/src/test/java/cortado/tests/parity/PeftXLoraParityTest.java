package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.xlora.XLoraLm;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * X-LoRA against HF PEFT 0.21 (tools/golden/make_peft_xlora_golden.py): three random LoRA experts saved by peft and an
 * X-LoRA classifier with drawn weights, on the tiny GPT-2 (depth 2, temperature 0.5, scaling_pass_value 0.3, so the
 * experts shape the scaling pass too, global_scaling_weight 1.5) and the tiny Llama (depth 1 with layerwise scalings and
 * top_k_lora 2; depth 3 with enable_softmax_topk instead of the softmax; two experts on embed_tokens, peft's
 * XLoraEmbeddingLayer, with scaling_pass_value 0.5). Loaded here, the X-LoRA directory gives peft's
 * logits, the classifier's scalings {@code [B, T, L, N]}, the base's logits when disabled, peft's trainable count, the
 * loss of one step and the classifier's gradients; saved again by Cortado, the weights file has peft's keys and values,
 * the config peft's fields, and loaded back it gives the same logits.
 *
 * <p>Tolerances, max |Δ| / max |ref|: logits and scalings 1e-5, gradients 1e-4 (float32 on both sides in different
 * summation orders through two passes; measured at most 1.7e-6 for logits, 1.2e-6 for scalings, 2.7e-6 for gradients).
 * Planted bugs, each failing (max |Δ| / max |ref| of the logits): the softmax over the layers instead of the experts
 * (layerwise case, 0.74), the scaling pass weighting the experts 0 instead of scaling_pass_value (GPT-2 case, 0.64),
 * top-k keeping the smallest weights (both top-k cases, 0.69 and 0.93), global_scaling_weight left out (GPT-2 0.41,
 * softmax-topk 0.33), the embedding experts' weights left off (embedding case, 1.42).
 */
class PeftXLoraParityTest {
    private static final double TOL = 1e-5, GRAD_TOL = 1e-4;

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"xlora_gpt2", "xlora_llama_layerwise_topk", "xlora_llama_softmax_topk",
            "xlora_llama_embedding"})
    void xloraSavedByPeftGivesPeftsLogitsScalingsAndGradients(String name) throws Exception {
        Map<String, Tensor> g = Safetensors.load(Golden.path("peft_xlora_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        int[] ids = Golden.ints(idsT), targets = Golden.ints(g.get(name + ".targets"));
        String base = name.contains("gpt2") ? "gpt2" : "llama";
        Path peftDir = Golden.path("peft_xlora/" + name);
        PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path(base)), peftDir);
        XLoraLm lm = (XLoraLm) peft.model();
        assertThat(peft.trainableAndAll()[0]).as(name + " trainable").isEqualTo(Golden.ints(g.get(name + ".trainable"))[0]);

        double logits, scalings, disabled;
        try (NoGrad ng = NoGrad.enter()) {
            logits = Golden.relativeToMax(lm.forward(ids, b, t).contiguous(), g.get(name + ".logits"));
            scalings = Golden.relativeToMax(lm.latestScalings(), g.get(name + ".scalings"));
            assertThat(lm.latestScalings().shape()).isEqualTo(g.get(name + ".scalings").shape());
            try (AutoCloseable off = peft.disableAdapters()) {
                disabled = Golden.relativeToMax(lm.forward(ids, b, t).contiguous(), g.get(name + ".base"));
            }
        }
        assertThat(logits).as(name + " logits").isLessThanOrEqualTo(TOL);
        assertThat(scalings).as(name + " scalings").isLessThanOrEqualTo(TOL);
        assertThat(disabled).as(name + " disabled").isLessThanOrEqualTo(TOL);

        Map<String, Parameter> classifier = peft.adapterStateDict(PeftModel.DEFAULT);
        classifier.values().forEach(p -> p.value().setGrad(null));
        Tensor loss = lm.loss(ids, targets, b, t);
        assertThat((double) loss.item()).as(name + " loss").isCloseTo(g.get(name + ".loss").item(),
                org.assertj.core.data.Offset.offset(1e-5 * Math.abs(g.get(name + ".loss").item())));
        Autograd.backward(loss);
        double grads = 0;
        for (Map.Entry<String, Parameter> e : classifier.entrySet()) {
            Tensor ref = g.get(name + ".grad." + e.getKey());
            assertThat(ref).as("golden gradient of " + e.getKey()).isNotNull();
            grads = Math.max(grads, Golden.relativeToMax(e.getValue().value().grad().contiguous(), ref));
        }
        assertThat(grads).as(name + " classifier gradients").isLessThanOrEqualTo(GRAD_TOL);
        assertThat(g.keySet().stream().filter(k -> k.startsWith(name + ".grad.")).count()).isEqualTo(classifier.size());
        System.out.printf("peft -> cortado %s: logits %.2e, scalings %.2e, disabled %.2e, gradients %.2e%n", name,
                logits, scalings, disabled, grads);

        AdapterFiles.save(peft, dir);
        Map<String, Tensor> ours = Safetensors.load(dir.resolve(AdapterFiles.WEIGHTS));
        Map<String, Tensor> theirs = Safetensors.load(peftDir.resolve(AdapterFiles.WEIGHTS));
        assertThat(ours.keySet()).as(name + " saved keys").containsExactlyInAnyOrderElementsOf(theirs.keySet());
        theirs.forEach((k, v) -> assertThat(ours.get(k).toArray()).as(k).containsExactly(v.toArray()));
        Map<String, Object> ourCfg = Json.parseObject(Files.readString(dir.resolve(AdapterFiles.CONFIG)));
        Map<String, Object> theirCfg = Json.parseObject(Files.readString(peftDir.resolve(AdapterFiles.CONFIG)));
        assertThat(ourCfg.keySet()).as(name + " config fields").containsExactlyInAnyOrderElementsOf(theirCfg.keySet());
        theirCfg.forEach((k, v) -> {
            if (!k.equals("adapters") && !k.equals("base_model_name_or_path"))
                assertThat(ourCfg.get(k)).as(name + " " + k).isEqualTo(v);
        });
        for (String e : new String[] {"0", "1", "2"}) {
            Map<String, Tensor> expert = Safetensors.load(dir.resolve(e).resolve(AdapterFiles.WEIGHTS));
            Map<String, Tensor> peftExpert = Safetensors.load(peftDir.resolve(e).resolve(AdapterFiles.WEIGHTS));
            assertThat(expert.keySet()).as("expert " + e).containsExactlyInAnyOrderElementsOf(peftExpert.keySet());
            peftExpert.forEach((k, v) -> assertThat(expert.get(k).toArray()).as(k).containsExactly(v.toArray()));
        }
        PeftModel again = AdapterFiles.load(HfCheckpoint.load(Golden.path(base)), dir);
        try (NoGrad ng = NoGrad.enter()) {
            assertThat(again.model().forward(ids, b, t).toArray()).as(name + " reloaded")
                    .containsExactly(lm.forward(ids, b, t).toArray());
        }
    }
}
