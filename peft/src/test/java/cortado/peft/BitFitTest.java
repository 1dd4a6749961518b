package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.peft.bitfit.BitFitConfig;
import cortado.peft.bitfit.BitFitTuner;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BitFit: only bias terms (and modules_to_save, trained in place) train and move; the files hold them under the base's
 * own Hugging Face names and round-trip; a base without biases is an error that says so.
 */
class BitFitTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static void sgd(cortado.nn.Module m, Tensor loss) {
        m.namedParameters().values().forEach(p -> p.value().setGrad(null));
        Autograd.backward(loss);
        try (NoGrad ng = NoGrad.enter()) {
            for (Parameter p : m.namedParameters().values())
                if (p.trainable() && p.value().grad() != null) p.set(F.sub(p.value(), F.scale(p.value().grad(), 0.5f)));
        }
    }

    private static Map<String, float[]> snapshot(cortado.nn.Module m) {
        Map<String, float[]> out = new HashMap<>();
        m.namedParameters().forEach((n, p) -> out.put(n, p.value().toArray()));
        return out;
    }

    private static List<String> changed(Map<String, float[]> before, cortado.nn.Module m) {
        return m.namedParameters().entrySet().stream()
                .filter(e -> !Arrays.equals(before.get(e.getKey()), e.getValue().value().toArray()))
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void onGpt2OnlyTheBiasesTrainAndTheFilesRoundTripUnderHfNames() throws Exception {
        CausalLm model = TinyModels.gpt2(3);
        PeftModel peft = PeftModel.wrap(model, BitFitConfig.of(null), 0);
        long biases = model.module().namedParameters().entrySet().stream().filter(e -> e.getKey().endsWith(".bias"))
                .mapToLong(e -> e.getValue().numel()).sum();
        // 2 layers x (ln_1 32, c_attn 96, attn.c_proj 32, ln_2 32, c_fc 128, mlp.c_proj 32) + ln_f 32.
        assertThat(biases).isEqualTo(2 * (32 + 96 + 32 + 32 + 128 + 32) + 32);
        assertThat(peft.trainableAndAll()[0]).isEqualTo(biases);

        Map<String, float[]> before = snapshot(model.module());
        int[] ids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        for (int s = 0; s < 3; s++) sgd(model.module(), model.loss(ids, targets, B, T));
        List<String> moved = changed(before, model.module());
        assertThat(moved).hasSize(13).allMatch(n -> n.endsWith(".bias"));

        float[] expected = logits(model, ids);
        AdapterFiles.save(peft, dir);
        assertThat(dir.resolve(AdapterFiles.CONFIG)).doesNotExist();   // peft must not take it for one of its adapters
        Map<String, Tensor> saved = Safetensors.load(dir.resolve(BitFitTuner.WEIGHTS));
        assertThat(saved).hasSize(13).containsKeys("transformer.h.0.attn.c_attn.bias", "transformer.h.1.ln_2.bias",
                "transformer.ln_f.bias");
        Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve(BitFitTuner.CONFIG)));
        assertThat(json).containsEntry("peft_type", "BITFIT").containsEntry("format_version", 1L)
                .containsEntry("target_modules", null).containsKey("auto_mapping");

        CausalLm fresh = TinyModels.gpt2(3);
        float[] untrained = logits(fresh, ids);
        PeftModel loaded = AdapterFiles.load(fresh, dir);
        assertThat(loaded.config("default")).isInstanceOf(BitFitConfig.class);
        assertThat(TinyModels.relDiff(expected, untrained)).isGreaterThan(1e-3);
        assertThat(logits(fresh, ids)).containsExactly(expected);
    }

    @Test
    void onBertTheClassifierTrainsWholeInPlaceAndTargetsSelectBiases() {
        BertForSequenceClassification bert = TinyModels.bertClassifier(2);
        BitFitConfig c = new BitFitConfig(TargetModules.of("query", "value", "dense"), null, List.of("classifier"), null, "SEQ_CLS");
        PeftModel peft = PeftModel.wrapModule(bert, "bert", c, 0);
        assertThat(peft.adapterStateDict("default").keySet()).contains("bert.encoder.layer.0.attention.self.query.bias",
                "bert.encoder.layer.1.output.dense.bias", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias")
                .noneMatch(k -> k.contains("key") || k.contains("LayerNorm"));
        EncoderBatch batch = TinyModels.encoderBatch(B, T, 1);
        Map<String, float[]> before = snapshot(bert);
        for (int s = 0; s < 2; s++)
            sgd(bert, F.crossEntropy(bert.forward(batch), new int[] {0, 2}, -100));
        assertThat(changed(before, bert)).contains("classifier.weight")
                .allMatch(n -> n.endsWith(".bias") || n.startsWith("classifier."));
        assertThat(bert.namedModules().values()).noneMatch(m -> m instanceof ModulesToSaveWrapper);
        assertThatThrownBy(peft::disableAdapters).isInstanceOf(PeftException.class).hasMessageContaining("in place");
        assertThatThrownBy(() -> peft.addAdapter("b", BitFitConfig.of(null), 0)).isInstanceOf(PeftException.class)
                .hasMessageContaining("one such adapter");
    }

    @Test
    void aBaseWithoutBiasesHasNothingToTrain() {
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), BitFitConfig.of(List.of("lm_head")), 0))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("BitFit has nothing to train: this llama model has no bias parameters");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1),
                new BitFitConfig(TargetModules.of("q_proj"), null, null, null, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("matched no module with a bias")
                .hasMessageContaining("c_attn");
    }
}
