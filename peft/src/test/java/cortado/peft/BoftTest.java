package cortado.peft;

import static cortado.peft.TinyModels.logits;
import static cortado.peft.TinyModels.sgdSteps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.peft.boft.BOFTConfig;
import cortado.peft.boft.BOFTLayer;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BOFT on the tiny Llama: a fresh adapter (boft_R zero: every Cayley block I; boft_s one) changes nothing; a few SGD
 * steps lower the loss and move only boft_R and boft_s; save and load round-trip the logits exactly; merged, unmerged,
 * disabled and unloaded models agree (1e-4 of the largest logit: W M^T s rounded to float32); the layer's forward has
 * checked gradients with three butterfly factors; the butterfly permutation is peft's block_butterfly_perm; the
 * multiplicative dropout sets int(p * blocks) blocks of one factor to I in training only; bad shapes are refused
 * with peft's messages.
 */
class BoftTest {
    private static final int B = 2, T = 5;

    @TempDir Path dir;

    private static BOFTConfig config(String name) {
        return switch (name) {
            case "plain" -> BOFTConfig.of(4, 1, null);
            case "butterfly" -> BOFTConfig.of(2, 3, TargetModules.of("q_proj", "o_proj", "down_proj"));
            default -> BOFTConfig.ofBlockNum(8, 2, TargetModules.of("v_proj", "up_proj", "down_proj"));
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "butterfly", "blocknum"})
    void freshAdapterTrainingSaveLoadAndMerging(String name) {
        CausalLm model = TinyModels.llama(3);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, config(name), 11);
        assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("fresh").isLessThanOrEqualTo(1e-6);
        int[] tids = TinyModels.ids(B * T, 96, 4), targets = TinyModels.ids(B * T, 96, 5);
        float before = model.loss(tids, targets, B, T).item();
        Map<String, float[]> snap = new HashMap<>();
        model.module().namedParameters().forEach((n, p) -> snap.put(n, p.value().toArray()));
        sgdSteps(model, 12, 3f);   // a tiny random model's gradients are small: a large step
        float after = model.loss(tids, targets, B, T).item();
        assertThat(after).as(name + " loss").isLessThan(before - 1e-2f);
        List<String> changed = snap.keySet().stream()
                .filter(n -> !Arrays.equals(snap.get(n), model.module().namedParameters().get(n).value().toArray())).toList();
        assertThat(changed).containsExactlyInAnyOrderElementsOf(peft.adapterParameters("default").keySet());
        assertThat(changed).anyMatch(n -> n.contains(".boft_R.")).anyMatch(n -> n.contains(".boft_s."));

        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("trained adapter moves the logits").isGreaterThan(1e-3);
        AdapterFiles.save(peft, dir);
        assertThat(AdapterFiles.readConfig(dir)).isEqualTo(peft.config("default"));
        CausalLm fresh = TinyModels.llama(3);
        AdapterFiles.load(fresh, dir);
        assertThat(logits(fresh, ids)).containsExactly(adapted);

        peft.merge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("merged").isLessThan(1e-4);
        peft.unmerge();
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged").isLessThan(1e-4);
        try (AutoCloseable off = peft.disableAdapters()) {
            assertThat(TinyModels.relDiff(logits(model, ids), plain)).as("disabled").isLessThan(1e-4);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(TinyModels.relDiff(logits(peft.mergeAndUnload(), ids), adapted)).as("unloaded").isLessThan(1e-4);
    }

    @Test
    void theLayerHasCheckedGradientsWithThreeButterflyFactors() {
        CausalLm model = TinyModels.llama(2);
        PeftModel.wrap(model, BOFTConfig.of(4, 3, TargetModules.of("q_proj")).withInitWeights(false), 6);
        BOFTLayer layer = (BOFTLayer) model.module().get("model.layers.0.self_attn.q_proj");
        Parameter r = layer.adapterParameters("default").get("boft_R.default");
        Parameter s = layer.adapterParameters("default").get("boft_s.default");
        assertThat(r.shape()).containsExactly(3, 8, 4, 4);
        assertThat(s.shape()).containsExactly(32, 1);
        Tensor x = Backends.cpu().zeros(3, 32), r0 = Backends.cpu().zeros(3, 8, 4, 4), s0 = Backends.cpu().zeros(32, 1);
        Init.normal(x, 1f, 9, 0);
        Init.normal(r0, 0.3f, 8, 0);
        Init.normal(s0, 0.1f, 7, 0);
        Tensor s1 = F.addScalar(s0, 1f);
        GradCheck.check(in -> {
            r.set(in[1]);
            s.set(in[2]);
            return layer.forward(in[0]);
        }, x.requiresGrad(true), r0.requiresGrad(true), s1.requiresGrad(true)).assertPassed();
    }

    /** peft's {@code block_butterfly_perm}, line by line. */
    private static int[] peftPerm(int n, int b, int r, int factor) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (factor == 0) return idx;
        int blockSize = n / b;
        double step = (double) blockSize / r;
        int[] sortedSeq = new int[(int) Math.ceil(step)];
        int k = 0;
        for (int e = 0; e < step; e += 2) sortedSeq[k++] = e;
        for (int o = 1; o < step; o += 2) sortedSeq[k++] = o;
        int[] sorted = new int[blockSize];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < r; j++) sorted[i * r + j] = sortedSeq[i] * r + j;
        int[] out = idx.clone();
        for (int i = 0; i < n; i += blockSize)
            for (int j = 0; j < blockSize; j++) out[i + j] = idx[i + sorted[j]];
        return out;
    }

    @Test
    void theButterflyPermutationIsPeftsBlockButterflyPerm() {
        int n = 64;
        float[] ar = new float[n];
        for (int i = 0; i < n; i++) ar[i] = i;
        Tensor x = Backends.cpu().fromArray(ar, 1, n);
        for (int[] c : new int[][] {{16, 4, 3}, {8, 8, 2}, {32, 2, 4}})
            for (int i = 0; i < c[2]; i++) {
                int blocks = c[0], size = c[1];
                int[] perm = peftPerm(n, blocks >> i, size / 2, c[2] - 1);
                float[] gathered = BOFTLayer.butterflyPermutation(x, blocks, size, i, true).toArray();   // x P^T = x[perm]
                float[] scattered = BOFTLayer.butterflyPermutation(x, blocks, size, i, false).toArray(); // x P
                for (int j = 0; j < n; j++) {
                    assertThat(gathered[j]).as("blocks %d size %d factor %d at %d", blocks, size, i, j).isEqualTo(perm[j]);
                    assertThat(scattered[perm[j]]).isEqualTo(j);
                }
            }
    }

    @Test
    void dropoutSetsBlocksOfOneFactorToTheIdentityInTrainingOnly() {
        CausalLm model = TinyModels.llama(2);
        PeftModel.wrap(model, BOFTConfig.of(4, 2, TargetModules.of("q_proj")).withInitWeights(false).withDropout(0.5), 6);
        BOFTLayer layer = (BOFTLayer) model.module().get("model.layers.0.self_attn.q_proj");
        model.module().train(false);   // new adapter layers start in training mode, as torch modules do
        float[] eval = layer.rotations("default", true).toArray();
        model.module().train(true);
        for (int trial = 0; trial < 4; trial++) {
            float[] train = layer.rotations("default", true).toArray();
            int identities = 0, kept = 0;
            for (int blk = 0; blk < 16; blk++) {
                boolean same = true, eye = true;
                for (int e = 0; e < 16; e++) {
                    same &= train[blk * 16 + e] == eval[blk * 16 + e];
                    eye &= train[blk * 16 + e] == (e % 5 == 0 ? 1f : 0f);
                }
                if (eye) identities++;
                else if (same) kept++;
            }
            assertThat(identities).as("int(0.5 * 8) blocks of one factor").isEqualTo(4);
            assertThat(kept).isEqualTo(12);
        }
        model.module().train(false);
        assertThat(layer.rotations("default", true).toArray()).containsExactly(eval);
    }

    @Test
    void fanInFanOutIsResetOnLinearAndASecondAdapterSwitchesCleanly() {
        CausalLm model = TinyModels.llama(4);
        int[] ids = TinyModels.ids(B * T, 96, 1);
        float[] plain = logits(model, ids);
        PeftModel peft = PeftModel.wrap(model, new BOFTConfig(4, 0, 1, 0, null, null, true, null, false, null, null,
                null, null), 3);
        assertThat(((BOFTConfig) peft.config("default")).fanInFanOut()).as("peft resets it on Linear").isFalse();
        float[] first = logits(model, ids);
        assertThat(TinyModels.relDiff(first, plain)).isGreaterThan(1e-4);
        peft.addAdapter("second", BOFTConfig.of(2, 2, TargetModules.of("v_proj")).withInitWeights(false), 5);
        peft.setAdapter("second");
        float[] second = logits(model, ids);
        assertThat(TinyModels.relDiff(second, first)).isGreaterThan(1e-4);
        peft.setAdapter("default");
        assertThat(logits(model, ids)).containsExactly(first);
        peft.deleteAdapter("second");
        assertThat(logits(model, ids)).containsExactly(first);
    }

    @Test
    void badShapesAreRefusedWithPeftsMessages() throws Exception {
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), BOFTConfig.of(5, 1, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("in_features (32) must be divisible by boft_block_size (5)!");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), BOFTConfig.of(8, 4, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("Invalid combination of in_features (32), boft_n_butterfly_factor (4) and boft_block_size (8)!");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.llama(1), BOFTConfig.ofBlockNum(4, 4, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("Invalid combination of boft_n_butterfly_factor (4) and boft_block_num (4)!");
        assertThatThrownBy(() -> BOFTConfig.of(4, 0, null)).hasMessageContaining("positive integer");
        assertThatThrownBy(() -> new BOFTConfig(4, 4, 1, 0, null, null, false, null, true, null, null, null, null))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> PeftModel.wrap(TinyModels.gpt2(1), BOFTConfig.of(4, 1, null), 0))
                .isInstanceOf(PeftException.class).hasMessageContaining("Conv1D");
        // a file peft wrote on a CPU with boft_n_butterfly_factor 2: its fallback ran one factor, boft_R [1, ...]
        PeftModel one = PeftModel.wrap(TinyModels.llama(1), BOFTConfig.of(4, 1, null), 0);
        AdapterFiles.save(one, dir);
        Path cfg = dir.resolve(AdapterFiles.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replaceAll("(\"boft_n_butterfly_factor\"\\s*:\\s*)1", "$12"));
        assertThat(AdapterFiles.readConfig(dir)).extracting("boftNButterflyFactor").isEqualTo(2);
        assertThatThrownBy(() -> AdapterFiles.load(TinyModels.llama(1), dir)).hasMessageContaining("shape");
    }
}
