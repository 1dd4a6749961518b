package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.models.CausalLm;
import cortado.peft.ia3.IA3Config;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Operations over several adapters: delete_adapter and add_weighted_adapter's checks and invariants (their values
 * against peft are in tests' PeftCombinationParityTest).
 */
class AdapterOperationsTest {
    private static final int B = 2, T = 5;

    private static PeftModel twoAdapters(CausalLm model) {
        PeftModel p = PeftModel.wrap(model, LoraConfig.of(4, 8, TargetModules.of("q_proj", "v_proj"))
                .withInitLoraWeights(false), 1);
        p.addAdapter("other", LoraConfig.of(2, 4, TargetModules.of("q_proj", "o_proj")).withInitLoraWeights(false), 2);
        return p;
    }

    @Test
    void deletingAnInactiveAdapterRemovesItsParametersAndKeepsTheOutputs() {
        CausalLm model = TinyModels.llama(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        PeftModel p = twoAdapters(model);
        p.setAdapter(PeftModel.DEFAULT);
        float[] before = logits(model, ids);
        long trainable = p.trainableAndAll()[0];
        p.deleteAdapter("other");
        assertThat(p.adapterNames()).containsExactly(PeftModel.DEFAULT);
        assertThat(p.activeAdapter()).isEqualTo(PeftModel.DEFAULT);
        assertThat(model.module().namedParameters().keySet()).noneMatch(k -> k.contains(".other."));
        assertThat(logits(model, ids)).containsExactly(before);
        assertThat(p.trainableAndAll()[0]).isEqualTo(trainable);
        // o_proj stays wrapped (as in peft), with no adapter left, so it computes its base alone.
        assertThat(model.module().get("model.layers.0.self_attn.o_proj")).isInstanceOf(LoraLayer.class);
        assertThat(((LoraLayer) model.module().get("model.layers.0.self_attn.o_proj")).adapterNames()).isEmpty();
    }

    @Test
    void deletingTheActiveAdapterMovesToTheFirstRemainingInAlphabeticalOrder() {
        CausalLm model = TinyModels.llama(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        PeftModel p = twoAdapters(model);
        p.addAdapter("alpha", LoraConfig.of(2, 4, TargetModules.of("q_proj")).withInitLoraWeights(false), 3);
        float[] alpha = logits(model, ids);
        p.setAdapter("other");
        List<String> warnings = new ArrayList<>();
        p.setWarnings(warnings::add);
        p.deleteAdapter("other");
        assertThat(p.activeAdapter()).isEqualTo("alpha");
        assertThat(warnings).containsExactly(
                "Adapter other was active which is now deleted. Setting active adapter to alpha.");
        assertThat(logits(model, ids)).containsExactly(alpha);
        assertThat(p.trainableAndAll()[0]).isEqualTo(p.adapterTensors("alpha").values().stream()
                .mapToLong(t -> t.numel()).sum());
    }

    @Test
    void deleteRefusesUnknownLastAndMergedAdapters() {
        PeftModel p = twoAdapters(TinyModels.llama(3));
        assertThatThrownBy(() -> p.deleteAdapter("nope")).isInstanceOf(PeftException.class)
                .hasMessageContaining("no adapter 'nope' (have [default, other])");
        p.merge();
        assertThatThrownBy(() -> p.deleteAdapter("other")).isInstanceOf(PeftException.class)
                .hasMessageContaining("cannot delete adapter 'other' while it is merged (unmerge it first)");
        p.unmerge();
        p.deleteAdapter("other");
        assertThatThrownBy(() -> p.deleteAdapter(PeftModel.DEFAULT)).isInstanceOf(PeftException.class)
                .hasMessageContaining("it is the only one");
    }

    @Test
    void catAddsTheWeightedDeltasExactlyAndLeavesTheActiveAdapter() {
        CausalLm model = TinyModels.gpt2(4);
        PeftModel p = PeftModel.wrap(model, LoraConfig.of(4, 8, TargetModules.of("c_attn")).withInitLoraWeights(false), 1);
        p.addAdapter("b", LoraConfig.of(2, 2, TargetModules.of("c_attn", "c_fc")).withInitLoraWeights(false), 2);
        p.addWeightedAdapter(List.of(PeftModel.DEFAULT, "b"), List.of(0.5, -2.0), "mix", "cat", null, null);
        assertThat(p.activeAdapter()).isEqualTo("b");
        assertThat(((LoraConfig) p.config("mix")).r()).isEqualTo(6);
        assertThat(p.trainableAndAll()[0]).as("the new adapter is frozen until set active")
                .isEqualTo(p.adapterTensors("b").values().stream().mapToLong(t -> t.numel()).sum());
        LoraLayer l = (LoraLayer) model.module().get("transformer.h.0.attn.c_attn");
        float[] mix = l.deltaWeight("mix").toArray(), d = l.deltaWeight(PeftModel.DEFAULT).toArray(),
                b = l.deltaWeight("b").toArray();
        for (int i = 0; i < mix.length; i++) assertThat(mix[i]).isCloseTo(0.5f * d[i] - 2f * b[i], org.assertj.core.data.Offset.offset(1e-5f));
        // c_fc holds only "b": the new adapter there is -2 · b alone, padded to rank 6.
        LoraLayer fc = (LoraLayer) model.module().get("transformer.h.0.mlp.c_fc");
        float[] mfc = fc.deltaWeight("mix").toArray(), bfc = fc.deltaWeight("b").toArray();
        for (int i = 0; i < mfc.length; i++) assertThat(mfc[i]).isCloseTo(-2f * bfc[i], org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void weightedAdapterChecksItsArguments() {
        PeftModel p = twoAdapters(TinyModels.llama(3));
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "x", "linear",
                null, null)).isInstanceOf(PeftException.class)
                .hasMessageContaining("combination_type linear needs adapters of one rank, got [default, other] with r = [4, 2]");
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default"), List.of(1.0, 1.0), "x", "cat", null, null))
                .hasMessageContaining("got 1 adapters but 2 weights");
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "zzz"), List.of(1.0, 1.0), "x", "cat", null,
                null)).hasMessageContaining("adapter 'zzz' does not exist");
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "x", "ties", null,
                null)).hasMessageContaining("combination_type \"ties\" is not supported (linear, cat or svd)");
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "other", "cat",
                null, null)).hasMessageContaining("adapter 'other' already exists");
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "x", "svd", 40,
                null)).hasMessageContaining("svd_rank 40 exceeds the rank a [32, 32] delta can have");
        assertThat(p.adapterNames()).as("a failed combination adds nothing").containsExactly("default", "other");
    }

    @Test
    void deleteAndCombineWorkOnTheMethodNeutralModelAndCombineOnlyLora() {
        CausalLm model = TinyModels.llama(3);
        PeftModel p = PeftModel.wrap(model, IA3Config.of(null, null), 1);
        p.addAdapter("other", IA3Config.of(null, null), 2);
        assertThatThrownBy(() -> p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "x", "cat", null,
                null)).isInstanceOf(PeftException.class)
                .hasMessage("add_weighted_adapter combines LoRA adapters; this model's adapters are IA3");
        p.deleteAdapter("other");
        assertThat(p.adapterNames()).containsExactly("default");
        assertThat(model.module().namedParameters().keySet()).noneMatch(n -> n.contains(".other"));
    }

    @Test
    void svdClampClipsBothFactorsAtTheQuantile() {
        CausalLm model = TinyModels.llama(5);
        PeftModel p = twoAdapters(model);
        p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "full", "svd", 2, null);
        p.addWeightedAdapter(List.of("default", "other"), List.of(1.0, 1.0), "clamped", "svd", 2, 0.9);
        LoraLayer q = (LoraLayer) model.module().get("model.layers.0.self_attn.q_proj");
        float[] a = q.adapterParameters("full").get("lora_A.full.weight").value().toArray();
        float[] b = q.adapterParameters("full").get("lora_B.full.weight").value().toArray();
        float[] all = new float[a.length + b.length];
        System.arraycopy(b, 0, all, 0, b.length);
        System.arraycopy(a, 0, all, b.length, a.length);
        java.util.Arrays.sort(all);
        double pos = 0.9 * (all.length - 1);
        int lo = (int) pos;
        float hi = (float) (all[lo] + (pos - lo) * (all[lo + 1] - all[lo]));
        float[] ca = q.adapterParameters("clamped").get("lora_A.clamped.weight").value().toArray();
        float[] cb = q.adapterParameters("clamped").get("lora_B.clamped.weight").value().toArray();
        for (int i = 0; i < a.length; i++) assertThat(ca[i]).isEqualTo(Math.min(Math.max(a[i], -hi), hi));
        int clipped = 0;
        for (int i = 0; i < b.length; i++) {
            assertThat(cb[i]).isEqualTo(Math.min(Math.max(b[i], -hi), hi));
            if (cb[i] != b[i]) clipped++;
        }
        assertThat(clipped).as("the 0.9 quantile clips about a tenth of the entries").isGreaterThan(0);
    }
}
