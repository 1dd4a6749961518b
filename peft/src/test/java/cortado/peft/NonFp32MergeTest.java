package cortado.peft;

import static cortado.peft.TinyModels.logits;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.nn.Linear16bit;
import cortado.nn.Module;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.InferenceDType;
import cortado.nn.models.CausalLm;
import cortado.peft.lora.LoraConfig;
import cortado.peft.lora.LoraLayer;
import cortado.quant.QuantType;
import cortado.quant.nn.Linear4bit;
import cortado.quant.nn.Linear8bit;
import cortado.quant.nn.ModelQuantizer;
import cortado.quant.nn.QuantizeSpec;
import cortado.quant.nn.QuantizedLinear;
import cortado.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA over bases that are not fp32: merging into NF4 and int8 layers (decode that layer, add ΔW, quantize afresh in
 * the same format) and LoRA over a frozen bf16 base (forward, backward, merge). The 16-bit merge against peft is in
 * tests' PeftHalfMergeParityTest.
 */
class NonFp32MergeTest {
    private static final int B = 2, T = 5;
    /** The largest gap between neighbouring NF4 codes (-1 to -0.6961928): a value rounds to within half of it. */
    private static final float NF4_MAX_GAP = 1f - 0.6961928009986877f;

    @TempDir Path dir;

    private static LongFunction<CausalLm> base(String family) {
        return family.equals("gpt2") ? TinyModels::gpt2 : TinyModels::llama;
    }

    private static long count(CausalLm m, Class<?> kind) {
        return m.module().namedModules().values().stream().filter(kind::isInstance).count();
    }

    /**
     * Tolerance on the logits, derived from the quantization step: {@code oneRounding} is what rounding every weight
     * of this model to the format's grid once does to its logits (the quantized base against its fp32 original).
     * Merging rounds the adapted weights to the grid once more, on steps {@code stepRatio} times as large (the
     * scales, block or row absmax, grow with W + ΔW). The unmerged model carries the base's rounding, the merged one
     * an independent rounding of W + ΔW, so they differ by about √2 roundings, and the largest logit error of a tiny
     * model fluctuates: merged within 3 · oneRounding · stepRatio, unmerged and merge-and-unload (one rounding more)
     * within 4 ·. Measured: 1.3-2.7 · oneRounding merged. The adapter itself moves the logits by more than
     * 5 · oneRounding (about 9 ·), so a merge that dropped ΔW fails.
     */
    @ParameterizedTest
    @CsvSource({"gpt2, nf4, false", "llama, nf4, true", "gpt2, int8, false", "llama, int8, false"})
    void mergingIntoAQuantizedBaseRequantizesWithinTheQuantizationStep(String family, String type, boolean dq) {
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] fp32 = logits(base(family).apply(9), ids);
        CausalLm model = base(family).apply(9);
        ModelQuantizer.quantize(model, new QuantizeSpec(type, 32, dq, QuantizeSpec.DEFAULT_SKIP));
        float[] plain = logits(model, ids);
        double oneRounding = TinyModels.relDiff(plain, fp32);
        Class<?> kind = type.equals("int8") ? Linear8bit.class : Linear4bit.class;
        long quantizedLayers = count(model, kind);

        PeftModel peft = PeftModel.wrap(model, LoraConfig.of(4, 1, TargetModules.allLinear())
                .withInitLoraWeights(false), 2);
        List<String> warnings = new ArrayList<>();
        peft.setWarnings(warnings::add);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, plain)).as("the adapter's own effect").isGreaterThan(5 * oneRounding);

        Map<String, float[]> target = new LinkedHashMap<>();
        model.module().namedModules().forEach((path, m) -> {
            if (m instanceof LoraLayer l && l.baseLayer() instanceof QuantizedLinear q) {
                float[] w = q.decodedWeight().toArray(), d = l.deltaWeight(PeftModel.DEFAULT).toArray();
                for (int i = 0; i < w.length; i++) w[i] += d[i];
                target.put(path, w);
            }
        });
        assertThat(target).hasSize((int) quantizedLayers);

        double scalesBefore = scaleSum(model);
        peft.merge();
        double stepRatio = Math.max(1, scaleSum(model) / scalesBefore);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("merging LoRA into " + quantizedLayers + " quantized layer(s)");
        target.forEach((path, w) -> {
            Module b = ((LoraLayer) model.module().get(path)).baseLayer();
            assertThat(b).as(path + " stays quantized").isInstanceOf(kind);
            assertWithinOneStep(path, (QuantizedLinear) b, w, dq);
        });
        double merged = TinyModels.relDiff(logits(model, ids), adapted);
        assertThat(merged).as("merged vs unmerged, one rounding %.2e", oneRounding).isLessThanOrEqualTo(3 * oneRounding * stepRatio);

        peft.unmerge();
        assertThat(warnings).hasSize(2);
        assertThat(TinyModels.relDiff(logits(model, ids), adapted)).as("unmerged")
                .isLessThanOrEqualTo(4 * oneRounding * stepRatio);

        CausalLm unloaded = peft.mergeAndUnload();
        assertThat(count(unloaded, TunerLayer.class)).isZero();
        assertThat(count(unloaded, kind)).as("merge_and_unload leaves the quantized layers quantized")
                .isEqualTo(quantizedLayers);
        float[] unloadedLogits = logits(unloaded, ids);
        assertThat(TinyModels.relDiff(unloadedLogits, adapted)).as("merge_and_unload")
                .isLessThanOrEqualTo(4 * oneRounding * stepRatio);
        // The merged model is an ordinary quantized model: saved in bitsandbytes' layout and loaded, it computes the same.
        cortado.quant.nn.QuantizedCheckpoint.save(unloaded, dir);
        CausalLm reloaded = cortado.quant.nn.QuantizedCheckpoint.load(dir);
        reloaded.module().eval();
        assertThat(logits(reloaded, ids)).containsExactly(unloadedLogits);
    }

    /** The sum of every quantized layer's scales (4-bit block absmax, int8 row absmax): the size of its grid steps. */
    private static double scaleSum(CausalLm m) {
        double s = 0;
        for (Module x : m.module().namedModules().values()) {
            float[] scales = x instanceof Linear4bit l ? l.weight().blockAbsmax()
                    : x instanceof Linear8bit l ? l.weight().scales() : new float[0];
            for (float v : scales) s += v;
        }
        return s;
    }

    /**
     * DoRA merges into a quantized base the same way ({@code W = (m/n)(W + ΔW)} decoded, then quantized afresh, as
     * peft's bnb merge_safe), with the tolerance derived as above: one rounding of the adapted weights.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void doraMergesIntoAnNf4Base(String family) {
        int[] ids = TinyModels.ids(B * T, 96, 3);
        float[] fp32 = logits(base(family).apply(9), ids);
        CausalLm model = base(family).apply(9);
        ModelQuantizer.quantize(model, new QuantizeSpec("nf4", 32, true, QuantizeSpec.DEFAULT_SKIP));
        double oneRounding = TinyModels.relDiff(logits(model, ids), fp32);
        long quantized = count(model, Linear4bit.class);
        PeftModel peft = PeftModel.wrap(model, LoraConfig.of(4, 1, TargetModules.allLinear()).withInitLoraWeights(false)
                .withDora(true), 2);
        List<String> warnings = new ArrayList<>();
        peft.setWarnings(warnings::add);
        float[] adapted = logits(model, ids);
        assertThat(TinyModels.relDiff(adapted, logits(base(family).apply(9), ids))).isGreaterThan(5 * oneRounding);
        double scalesBefore = scaleSum(model);
        CausalLm unloaded = peft.mergeAndUnload();
        double stepRatio = Math.max(1, scaleSum(unloaded) / scalesBefore);
        assertThat(warnings).hasSize(1);
        assertThat(count(unloaded, Linear4bit.class)).isEqualTo(quantized);
        assertThat(TinyModels.relDiff(logits(unloaded, ids), adapted)).isLessThanOrEqualTo(3 * oneRounding * stepRatio);
    }

    /**
     * Each merged weight lies within half a quantization step of W + ΔW: for NF4, half the largest code gap times the
     * block's scale, plus what double quantization moved that scale from the block's true absmax; for int8, half of
     * the row's absmax / 127.
     */
    private static void assertWithinOneStep(String path, QuantizedLinear q, float[] want, boolean dq) {
        float[] got = q.decodedWeight().toArray();
        if (q instanceof Linear4bit l4) {
            assertThat(l4.weight().type()).isEqualTo(QuantType.NF4);
            assertThat(l4.weight().blocksize()).isEqualTo(32);
            assertThat(l4.weight().isDoubleQuantized()).isEqualTo(dq);
            float[] scale = l4.weight().blockAbsmax();
            for (int blk = 0; blk < scale.length; blk++) {
                float absmax = 0;
                for (int i = blk * 32; i < (blk + 1) * 32; i++) absmax = Math.max(absmax, Math.abs(want[i]));
                double bound = 0.5 * NF4_MAX_GAP * scale[blk] + Math.abs(absmax - scale[blk]) + 1e-6 * absmax;
                for (int i = blk * 32; i < (blk + 1) * 32; i++)
                    assertThat((double) Math.abs(got[i] - want[i])).as(path + "[" + i + "]").isLessThanOrEqualTo(bound);
            }
        } else {
            int cols = q.inFeatures();
            for (int r = 0; r < q.outFeatures(); r++) {
                float absmax = 0;
                for (int c = 0; c < cols; c++) absmax = Math.max(absmax, Math.abs(want[r * cols + c]));
                double bound = 0.5 * absmax / 127 * (1 + 1e-5);
                for (int c = 0; c < cols; c++)
                    assertThat((double) Math.abs(got[r * cols + c] - want[r * cols + c])).as(path).isLessThanOrEqualTo(bound);
            }
        }
    }

    /** The fp32 twin holds exactly the bf16 values (saved in bf16, widened on load), so the two compute the same function. */
    private CausalLm[] bf16AndItsFp32Twin(String family) {
        HfCheckpoint.save(base(family).apply(6), dir, DType.BF16);
        CausalLm half = HfCheckpoint.loadFrozen(dir, InferenceDType.BF16), full = HfCheckpoint.load(dir);
        half.module().eval();
        full.module().eval();
        return new CausalLm[] {half, full};
    }

    /**
     * LoRA over a frozen bf16 base: the same adapter on the bf16 model and on its fp32 twin gives the same logits and
     * the same adapter gradients, those of the first layer having crossed every frozen 16-bit product below the loss
     * (dx through the 16-bit kernel). Tolerance 1e-4 relative: the fused 16-bit kernel and sgemm sum in other orders
     * (float32 either way); a missing input gradient gives zero for the first layer's adapters.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void loraOverAFrozenBf16BaseTrainsAsOverItsFp32Twin(String family) {
        CausalLm[] m = bf16AndItsFp32Twin(family);
        LoraConfig c = LoraConfig.of(4, 8, TargetModules.allLinear()).withInitLoraWeights(false);
        PeftModel half = PeftModel.wrap(m[0], c, 4), full = PeftModel.wrap(m[1], c, 4);
        assertThat(m[0].module().namedModules().values().stream()
                .filter(x -> x instanceof LoraLayer l && l.baseLayer() instanceof Linear16bit).count())
                .isEqualTo(count(m[1], LoraLayer.class)).isGreaterThan(0);
        int[] ids = TinyModels.ids(B * T, 96, 8), targets = TinyModels.ids(B * T, 96, 9);
        assertThat(TinyModels.relDiff(logits(m[0], ids), logits(m[1], ids))).isLessThan(1e-4);
        Autograd.backward(m[0].loss(ids, targets, B, T));
        Autograd.backward(m[1].loss(ids, targets, B, T));
        Map<String, cortado.nn.Parameter> gh = half.adapterStateDict(PeftModel.DEFAULT), gf = full.adapterStateDict(PeftModel.DEFAULT);
        assertThat(gh.keySet()).isEqualTo(gf.keySet());
        String first = family.equals("gpt2") ? "transformer.h.0.attn.c_attn" : "model.layers.0.self_attn.q_proj";
        gh.forEach((k, p) -> {
            float[] a = p.value().grad().toArray(), b = gf.get(k).value().grad().toArray();
            assertThat(TinyModels.relDiff(a, b)).as(k).isLessThan(1e-4);
            if (k.contains(first + ".lora_A")) {
                double norm = 0;
                for (float v : a) norm += v * v;
                assertThat(norm).as("gradient reached the first layer through the frozen bf16 products").isGreaterThan(0);
            }
        });
    }

    /** Merging into the bf16 base keeps it bf16 and rounds W + ΔW once (logits as the fp32 twin's merge, 1e-2: bf16 rounding). */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void mergingIntoABf16BaseKeepsItBf16(String family) {
        CausalLm[] m = bf16AndItsFp32Twin(family);
        LoraConfig c = LoraConfig.of(4, 0.25, TargetModules.allLinear()).withInitLoraWeights(false);
        PeftModel half = PeftModel.wrap(m[0], c, 4);
        int[] ids = TinyModels.ids(B * T, 96, 8);
        float[] adapted = logits(m[0], ids);
        long layers = count(m[0], Linear16bit.class);
        List<String> warnings = new ArrayList<>();
        half.setWarnings(warnings::add);
        CausalLm merged = half.mergeAndUnload();
        assertThat(warnings).as("peft warns for bnb layers only").isEmpty();
        assertThat(count(merged, Linear16bit.class)).isEqualTo(layers);
        merged.module().namedModules().values().forEach(x -> {
            if (x instanceof Linear16bit l) assertThat(l.weight().dtype()).isEqualTo(DType.BF16);
        });
        // bf16 keeps 8 significant bits: each weight moves by at most 2^-9 of itself, the logits by about as much.
        assertThat(TinyModels.relDiff(logits(merged, ids), adapted)).isLessThan(1e-2);
    }
}
