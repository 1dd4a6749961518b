package cortado.peft.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Dropout;
import cortado.nn.Embedding;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.PeftException;
import cortado.quant.BlockwiseQuantizer;
import cortado.quant.QuantType;
import cortado.quant.nn.Linear4bit;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DoRA, LoRA on embeddings and the initializations, layer by layer (the model-level parity with peft is in the tests
 * module's PeftLoraVariantsParityTest): gradient checks, merge / unmerge round trips, DoRA on a quantized base, the
 * dropout path, the init forms and the refusals. Tolerances: merged vs unmerged 1e-5 of the largest output (W + ΔW
 * rounded to float32 and a different summation order, a few ulps; a wrong merge factor is 1e-1); GradCheck's defaults
 * (central differences in float32, see GradCheck).
 */
class LoraVariantsTest {
    private static final int IN = 6, OUT = 5, R = 3;

    private static Tensor randn(SplittableRandom r, double std, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return Tensor.of(LoraLayer.normal(n, std, r), shape);
    }

    private static Linear linear(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Linear l = new Linear(IN, OUT, true);
        l.weight().set(randn(r, 0.5, OUT, IN));
        l.bias().set(randn(r, 0.5, OUT));
        return l;
    }

    private static Conv1D conv1d(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Conv1D c = new Conv1D(IN, OUT);
        c.weight().set(randn(r, 0.5, IN, OUT));
        c.bias().set(randn(r, 0.5, OUT));
        return c;
    }

    /** A DoRA adapter with B drawn too and the magnitude moved off its init, so every term matters. */
    private static LoraLayer dora(Module base, long seed) {
        LoraLayer l = new LoraLayer(base);
        l.addAdapter("default", new LoraSpec(R, 0.7, 0.0, LoraInit.RANDOM, true, null, seed));
        moveMagnitude(l, seed);
        return l;
    }

    /** Scales the magnitude by factors around 1 (a fresh magnitude equals the norm, so m/n = 1 would hide terms). */
    private static void moveMagnitude(LoraLayer l, long seed) {
        Parameter m = l.adapterParameters("default").get("lora_magnitude_vector.default");
        try (NoGrad ng = NoGrad.enter()) {
            m.set(F.mul(m.value(), Tensor.of(scaleAround1(seed), OUT)));
        }
    }

    private static float[] scaleAround1(long seed) {
        float[] f = LoraLayer.normal(OUT, 0.2, new SplittableRandom(seed + 2));
        for (int i = 0; i < f.length; i++) f[i] += 1;
        return f;
    }

    private static Tensor input(long seed) { return randn(new SplittableRandom(seed), 1, 4, IN); }

    private static double relDiff(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            num = Math.max(num, Math.abs(x[i] - y[i]));
            den = Math.max(den, Math.abs(y[i]));
        }
        return num / den;
    }

    private static Tensor forward(Module layer, Tensor x) {
        try (NoGrad ng = NoGrad.enter()) {
            return ((cortado.nn.Layer) layer).forward(x);
        }
    }

    // ---- gradients --------------------------------------------------------------------------------------------------

    /**
     * The whole DoRA layer, with respect to its input and its magnitude vector (the detached norm depends on neither,
     * so finite differences see the same function the backward pass differentiates).
     */
    @ParameterizedTest
    @ValueSource(strings = {"linear", "conv1d"})
    void doraLayerGradientWrtInputAndMagnitude(String kind) {
        LoraLayer l = dora(kind.equals("linear") ? linear(1) : conv1d(1), 2);
        Tensor x = input(3).requiresGrad(true);
        Tensor m = l.adapterParameters("default").get("lora_magnitude_vector.default").value();
        GradCheck.check(in -> l.forward(in[0]), x, m).assertPassed();
    }

    /**
     * With respect to A and B the norm is a constant by definition (DoRA §4.3; peft detaches it), so the checked
     * function holds the norm fixed at its value for the current A, B and recomputes the rest: Dora.term over
     * B(A(x)) and W x.
     */
    @Test
    void doraTermGradientWrtAAndBWithTheNormHeldConstant() {
        SplittableRandom r = new SplittableRandom(4);
        Tensor w = randn(r, 0.5, OUT, IN), a = randn(r, 0.4, R, IN).requiresGrad(true);
        Tensor b = randn(r, 0.4, OUT, R).requiresGrad(true), m = randn(r, 1, OUT).requiresGrad(true);
        Tensor x = randn(r, 1, 4, IN).requiresGrad(true);
        Tensor norm;
        try (NoGrad ng = NoGrad.enter()) {
            norm = Dora.rowNorms(w, F.matmul(b, a), 0.7);
        }
        GradCheck.check(in -> F.add(F.linear(in[0], w, null), Dora.term(F.linear(in[0], w, null),
                F.linear(F.linear(in[0], in[1], null), in[2], null), in[3], norm, 0.7)), x, a, b, m).assertPassed();
    }

    /** An embedding's DoRA and plain adapter: the gradient of the rows looked up, with respect to A^T's rows, B and m. */
    @Test
    void embeddingAdapterGradients() {
        for (boolean useDora : new boolean[] {false, true}) {
            Embedding e = new Embedding(7, 4);
            e.weight().set(randn(new SplittableRandom(5), 1, 7, 4));
            LoraEmbedding l = new LoraEmbedding(e);
            l.addAdapter("default", new LoraSpec(2, 1.5, 0, LoraInit.RANDOM, false, null, 6));
            Tensor ids = Embedding.ids(new int[] {3, 0, 3, 6});
            Tensor a = l.adapterParameters("default").get("lora_embedding_A.default").value();
            Tensor bm = l.adapterParameters("default").get("lora_embedding_B.default").value();
            if (!useDora) {
                GradCheck.check(in -> l.forward(ids), a, bm).assertPassed();
                continue;
            }
            LoraEmbedding d = new LoraEmbedding(e);
            d.addAdapter("default", new LoraSpec(2, 1.5, 0, LoraInit.RANDOM, true, null, 6));
            Tensor m = d.adapterParameters("default").get("lora_magnitude_vector.default").value();
            GradCheck.check(in -> d.forward(ids), m).assertPassed();   // A and B move the detached norm
        }
    }

    // ---- merge ------------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"linear", "conv1d"})
    void doraMergedEqualsUnmergedAndUnmergeRestoresTheWeight(String kind) {
        Module base = kind.equals("linear") ? linear(7) : conv1d(7);
        float[] w0 = base.ownParameters().get("weight").value().toArray();
        LoraLayer l = dora(base, 8);
        // a second adapter, DoRA too, merged after the first: its norm must come from the weight without the first
        l.addAdapter("other", new LoraSpec(2, 1.3, 0.0, LoraInit.RANDOM, true, null, 9));
        l.setActiveAdapters(List.of("default", "other"));
        Tensor x = input(10);
        Tensor unmerged = forward(l, x);
        l.merge();
        assertThat(l.mergedAdapters()).containsExactly("default", "other");
        assertThat(relDiff(forward(l, x), unmerged)).isLessThanOrEqualTo(1e-5);
        l.unmerge();
        assertThat(relDiff(forward(l, x), unmerged)).isLessThanOrEqualTo(1e-5);
        float[] w1 = base.ownParameters().get("weight").value().toArray();
        for (int i = 0; i < w0.length; i++) assertThat(w1[i]).isCloseTo(w0[i], org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void embeddingMergedEqualsUnmerged() {
        for (boolean useDora : new boolean[] {false, true}) {
            Embedding e = new Embedding(9, 4);
            e.weight().set(randn(new SplittableRandom(11), 1, 9, 4));
            LoraEmbedding l = new LoraEmbedding(e);
            l.addAdapter("default", new LoraSpec(3, 2.0, 0, LoraInit.RANDOM, useDora, null, 12));
            Tensor ids = Embedding.ids(new int[] {8, 1, 1, 4, 0});
            Tensor unmerged = forward(l, ids);
            l.merge();
            assertThat(relDiff(forward(l, ids), unmerged)).as("dora " + useDora).isLessThanOrEqualTo(1e-5);
            l.unmerge();
            assertThat(relDiff(forward(l, ids), unmerged)).as("dora " + useDora).isLessThanOrEqualTo(1e-5);
        }
    }

    // ---- DoRA's forward paths -----------------------------------------------------------------------------------------

    /**
     * On a 4-bit base the norm comes from this layer's dequantized weight: the layer computes what DoRA over an fp32
     * Linear holding exactly the dequantized weight computes (same A, B, m), to float32 rounding of the two products.
     */
    @Test
    void doraOnAQuantizedBaseUsesTheDequantizedWeight() {
        int in = 64;   // one 4-bit block per row
        Linear fp = new Linear(in, OUT, true);
        SplittableRandom r = new SplittableRandom(14);
        fp.weight().set(randn(r, 0.5, OUT, in));
        fp.bias().set(randn(r, 0.5, OUT));
        Linear4bit q = new Linear4bit(BlockwiseQuantizer.quantize4bit(fp.weight().value().toArray(), new int[] {OUT, in},
                QuantType.NF4), fp.bias().value(), false);
        Linear deq = new Linear(in, OUT, true);
        deq.weight().set(q.dequantizedWeight());
        deq.bias().set(fp.bias().value());
        LoraLayer onQuant = new LoraLayer(q), onDeq = new LoraLayer(deq);
        onQuant.addAdapter("default", new LoraSpec(R, 0.9, 0, LoraInit.RANDOM, true, null, 15));
        onDeq.addAdapter("default", new LoraSpec(R, 0.9, 0, LoraInit.RANDOM, true, null, 15));
        Tensor x = randn(r, 1, 3, in);
        assertThat(relDiff(forward(onQuant, x), forward(onDeq, x))).isLessThanOrEqualTo(1e-5);
        // and the magnitude started at the dequantized rows' norms (so a fresh DoRA adapter equals plain LoRA)
        assertThat(relDiff(onQuant.adapterParameters("default").get("lora_magnitude_vector.default").value(),
                onDeq.adapterParameters("default").get("lora_magnitude_vector.default").value())).isLessThanOrEqualTo(1e-6);
    }

    /**
     * Training with dropout (peft's DoraLinearVariant.forward): A, B and the base product all see the dropped-out
     * input x', and the bias is added once: y = W x + b + (m/n - 1) W x' + (m/n) s B A x'.
     */
    @Test
    void doraWithDropoutRecomputesTheBaseProductOnTheDroppedInput() {
        Linear base = linear(16);
        LoraLayer l = new LoraLayer(base);
        l.addAdapter("default", new LoraSpec(R, 0.7, 0.5, LoraInit.RANDOM, true, null, 17));
        moveMagnitude(l, 17);   // m/n != 1, so the (m/n - 1) W x' term matters
        l.train(true);
        l.seedDropout(99);
        Tensor x = input(18);
        l.dropoutStep(4);
        Tensor y = forward(l, x);
        Dropout d = (Dropout) l.namedModules().get("lora_dropout.default");
        d.train(true);
        l.dropoutStep(4);
        Tensor xd = forward(d, x);
        assertThat(relDiff(xd, x)).as("dropout really dropped").isGreaterThan(0.1);
        Map<String, Parameter> p = l.adapterParameters("default");
        Tensor expected;
        try (NoGrad ng = NoGrad.enter()) {
            Tensor w = base.weight().value(), a = p.get("lora_A.default.weight").value(), bm = p.get("lora_B.default.weight").value();
            Tensor norm = Dora.rowNorms(w, F.matmul(bm, a), 0.7);
            Tensor scale = F.div(p.get("lora_magnitude_vector.default").value(), norm);
            Tensor wxd = F.linear(xd, w, null);
            expected = F.add(F.add(F.linear(x, w, base.bias().value()), F.mul(F.addScalar(scale, -1f), wxd)),
                    F.scale(F.mul(scale, F.linear(F.linear(xd, a, null), bm, null)), 0.7f));
        }
        assertThat(relDiff(y, expected)).isLessThanOrEqualTo(1e-5);
        l.eval();   // evaluation: no dropout, the base output less its bias is W x
        Tensor yEval = forward(l, x);
        LoraLayer noDrop = new LoraLayer(linear(16));
        noDrop.addAdapter("default", new LoraSpec(R, 0.7, 0.0, LoraInit.RANDOM, true, null, 17));
        moveMagnitude(noDrop, 17);
        assertThat(relDiff(yEval, forward(noDrop, x))).isLessThanOrEqualTo(1e-6);
    }

    // ---- initializations --------------------------------------------------------------------------------------------

    @Test
    void freshAdaptersLeaveTheOutputUnchanged() {
        Tensor x = input(19);
        Tensor before = forward(linear(20), x);
        for (LoraInit init : List.of(LoraInit.DEFAULT, LoraInit.GAUSSIAN, LoraInit.PISSA, LoraInit.OLORA))
            for (boolean useDora : new boolean[] {false, true}) {
                LoraLayer l = new LoraLayer(linear(20));
                l.addAdapter("default", new LoraSpec(R, 2.0, 0, init, useDora, null, 21));
                // DEFAULT / GAUSSIAN: B = 0 exactly; PISSA / OLORA: the residual plus s B A gives W back to rounding
                assertThat(relDiff(forward(l, x), before)).as(init + " dora " + useDora).isLessThanOrEqualTo(1e-5);
            }
    }

    @Test
    void gaussianDrawsAWithStd1OverRAndBZero() {
        Linear big = new Linear(400, 50, false);
        LoraLayer l = new LoraLayer(big);
        l.addAdapter("default", new LoraSpec(4, 1, 0, LoraInit.GAUSSIAN, false, null, 22));
        float[] a = l.adapterParameters("default").get("lora_A.default.weight").value().toArray();
        double sum = 0, sq = 0;
        for (float v : a) { sum += v; sq += (double) v * v; }
        double mean = sum / a.length, std = Math.sqrt(sq / a.length - mean * mean);
        assertThat(std).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.01));   // 1600 draws: std error ~0.0045
        assertThat(Math.abs(mean)).isLessThan(0.02);
        assertThat(l.adapterParameters("default").get("lora_B.default.weight").value().toArray()).containsOnly(0f);
    }

    @Test
    void embeddingDefaultInitIsAZeroBNormal() {
        Embedding e = new Embedding(50, 8);
        LoraEmbedding l = new LoraEmbedding(e);
        l.addAdapter("default", new LoraSpec(4, 1, 0, LoraInit.DEFAULT, false, null, 23));
        assertThat(l.adapterParameters("default").get("lora_embedding_A.default").value().toArray()).containsOnly(0f);
        float[] b = l.adapterParameters("default").get("lora_embedding_B.default").value().toArray();
        double sq = 0;
        for (float v : b) sq += (double) v * v;
        assertThat(Math.sqrt(sq / b.length)).isBetween(0.7, 1.3);   // 32 standard-normal draws
    }

    @Test
    void initsThatCannotApplyAreRefusedNamingTheReason() {
        LoraLayer conv = new LoraLayer(conv1d(24));
        assertThatThrownBy(() -> conv.addAdapter("default", new LoraSpec(2, 1, 0, LoraInit.OLORA, false, null, 1)))
                .isInstanceOf(PeftException.class).hasMessageContaining("\"olora\" on a Conv1D (fan_in_fan_out)");
        LoraLayer wide = new LoraLayer(linear(25));
        assertThatThrownBy(() -> wide.addAdapter("default", new LoraSpec(6, 1, 0, LoraInit.PISSA, false, null, 1)))
                .isInstanceOf(PeftException.class).hasMessageContaining("pissa needs r <= min(out, in) = 5");
        Linear4bit q = new Linear4bit(BlockwiseQuantizer.quantize4bit(new float[OUT * 64], new int[] {OUT, 64},
                QuantType.NF4), null, false);
        LoraLayer onQuant = new LoraLayer(q);
        assertThatThrownBy(() -> onQuant.addAdapter("default", new LoraSpec(2, 1, 0, LoraInit.PISSA, false, null, 1)))
                .isInstanceOf(PeftException.class).hasMessageContaining("needs an fp32 base weight");
        LoraEmbedding emb = new LoraEmbedding(new Embedding(10, 4));
        assertThatThrownBy(() -> emb.addAdapter("default", new LoraSpec(2, 1, 0, LoraInit.LOFTQ, false,
                LoftqConfig.defaults(), 1))).isInstanceOf(PeftException.class).hasMessageContaining("\"loftq\" on an Embedding");
    }

    // ---- adapter_config.json ----------------------------------------------------------------------------------------

    @Test
    void configFieldsRoundTripAsPeftWritesThem() {
        LoraConfig base = LoraConfig.of(4, 8, cortado.peft.TargetModules.of("q_proj"));
        for (LoraConfig c : List.of(base.withDora(true), base.withInit(LoraInit.GAUSSIAN, null),
                base.withInit(LoraInit.PISSA, null), base.withInit(LoraInit.OLORA, null),
                base.withInit(LoraInit.LOFTQ, new LoftqConfig(4, 3)), base.withInitLoraWeights(false))) {
            Map<String, Object> json = c.toJson(null);
            LoraConfig back = LoraConfig.fromJson(json, "adapter_config.json");
            assertThat(back).isEqualTo(c);
        }
        Map<String, Object> j = base.withInit(LoraInit.LOFTQ, new LoftqConfig(4, 3)).withDora(true).toJson(null);
        assertThat(j.get("init_lora_weights")).isEqualTo("loftq");
        assertThat(j.get("loftq_config")).isEqualTo(Map.of("loftq_bits", 4L, "loftq_iter", 3L));
        assertThat(j.get("use_dora")).isEqualTo(true);
        assertThat(base.toJson(null).get("loftq_config")).isEqualTo(Map.of());
        assertThat(base.withInitLoraWeights(false).toJson(null).get("init_lora_weights")).isEqualTo(false);
        // peft drops a loftq_config given with another init
        assertThat(base.withInit(LoraInit.PISSA, new LoftqConfig(4, 2)).loftqConfig()).isNull();
    }

    @Test
    void unsupportedConfigValuesAreOneClearErrorNamingFileAndField() {
        Map<String, Object> good = LoraConfig.of(4, 8, cortado.peft.TargetModules.of("q_proj")).toJson(null);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("pissa_niter_16", "init_lora_weights \"pissa_niter_16\" is not supported: it runs torch's randomized");
        cases.put("corda", "init_lora_weights \"corda\" is not supported (supported: true, false, \"gaussian\"");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Map<String, Object> j = new LinkedHashMap<>(good);
            j.put("init_lora_weights", e.getKey());
            assertThatThrownBy(() -> LoraConfig.fromJson(j, "/x/adapter_config.json")).isInstanceOf(PeftException.class)
                    .hasMessageStartingWith("/x/adapter_config.json: ").hasMessageContaining(e.getValue());
        }
        Map<String, Object> loftqNoConfig = new LinkedHashMap<>(good);
        loftqNoConfig.put("init_lora_weights", "loftq");
        assertThatThrownBy(() -> LoraConfig.fromJson(loftqNoConfig, "/x/adapter_config.json"))
                .isInstanceOf(PeftException.class)
                .hasMessage("/x/adapter_config.json: init_lora_weights is \"loftq\" but loftq_config is missing or empty");
        Map<String, Object> eightBit = new LinkedHashMap<>(loftqNoConfig);
        eightBit.put("loftq_config", Map.of("loftq_bits", 8L, "loftq_iter", 1L));
        assertThatThrownBy(() -> LoraConfig.fromJson(eightBit, "/x/adapter_config.json")).isInstanceOf(PeftException.class)
                .hasMessage("/x/adapter_config.json: loftq_config.loftq_bits = 8 is not supported (only 4: NF4)");
        Map<String, Object> dora = new LinkedHashMap<>(good);
        dora.put("use_dora", "yes");
        assertThatThrownBy(() -> LoraConfig.fromJson(dora, "/x/adapter_config.json")).isInstanceOf(PeftException.class)
                .hasMessage("/x/adapter_config.json: use_dora must be true or false, got yes");
    }
}
