package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.trainabletokens.TrainableTokensConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TRAINABLE_TOKENS on the tiny Llama: a fresh adapter (rows copied from the table) changes nothing; a few SGD steps
 * lower the loss and move only trainable_tokens_delta, and of the table only the listed rows differ once merged; save
 * and load round-trip the logits exactly; merged, unmerged, disabled and unloaded models agree exactly (rows are copied,
 * not computed); a tied head (GPT-2) is refused.
 */
class TrainableTokensTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    @Test
    void freshAdapterTrainingSaveLoadAndMerging() {
        CausalLm model = TinyModels.llama(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] plain = logits(model, ids);
        float[] table = model.module().namedParameters().get("model.embed_tokens.weight").value().toArray();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < 96; i += 2) rows.add(i);
        PeftModel peft = PeftModel.wrap(model, TrainableTokensConfig.of(rows, null), 11);
        assertThat(logits(model, ids)).containsExactly(plain);

        int[] tids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float before = model.loss(tids, targets, B, T).item();
        Map<String, float[]> snap = new HashMap<>();
        model.module().namedParameters().forEach((n, p) -> snap.put(n, p.value().toArray()));
        for (int step = 0; step < 12; step++) {
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Autograd.backward(model.loss(tids, targets, B, T));
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter p : model.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null) p.set(F.sub(p.value(), F.scale(p.value().grad(), 3f)));
            }
        }
        assertThat(model.loss(tids, targets, B, T).item()).isLessThan(before - 1e-2f);
        List<String> changed = snap.keySet().stream()
                .filter(n -> !Arrays.equals(snap.get(n), model.module().namedParameters().get(n).value().toArray())).toList();
        assertThat(changed).containsExactly("model.embed_tokens.trainable_tokens_delta.default");

        float[] adapted = logits(model, ids);
        AdapterFiles.save(peft, dir);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        CausalLm fresh = TinyModels.llama(3);
        AdapterFiles.load(fresh, dir);
        assertThat(logits(fresh, ids)).containsExactly(adapted);

        peft.merge();
        assertThat(logits(model, ids)).as("merged").containsExactly(adapted);
        float[] merged = model.module().namedParameters().get("model.embed_tokens.base_layer.weight").value().toArray();
        int dim = merged.length / 96;
        for (int r = 0; r < 96; r++) {   // unlisted rows are the table's own; listed rows are what was trained
            float[] a = Arrays.copyOfRange(merged, r * dim, (r + 1) * dim), o = Arrays.copyOfRange(table, r * dim, (r + 1) * dim);
            if (r % 2 == 1) assertThat(a).as("row " + r).containsExactly(o);
        }
        peft.unmerge();
        assertThat(model.module().namedParameters().get("model.embed_tokens.base_layer.weight").value().toArray())
                .as("unmerged table").containsExactly(table);
        assertThat(logits(model, ids)).as("unmerged").containsExactly(adapted);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(logits(model, ids)).as("disabled").containsExactly(plain);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(logits(peft.mergeAndUnload(), ids)).as("unloaded").containsExactly(adapted);
    }

    @Test
    void aTiedHeadIsRefused() {
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1), TrainableTokensConfig.of(List.of(1, 2), null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("tied");
    }
}
