package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Module;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertModel;
import cortado.nn.models.bert.EncoderBatch;
import cortado.peft.AdapterFiles;
import cortado.peft.PeftModel;
import cortado.peft.bottleneck.BottleneckConfig;
import cortado.peft.bottleneck.BottleneckTuner;
import cortado.peft.bottleneck.FusionConfig;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bottleneck adapters against adapter-hub's {@code adapters} 1.2.0 (tools/golden/make_adapterhub_golden.py): Houlsby
 * (DoubleSeqBnConfig), Pfeiffer (SeqBnConfig) and parallel (ParBnConfig) adapters that adapter-hub put on the tiny
 * GPT-2, Llama and BERT checkpoints, with random nonzero tensors, load here from adapter-hub's own state-dict names
 * and give adapter-hub's logits (BERT: last_hidden_state, a padded row); a custom BnConfig on BERT moves every switch
 * at once (the residual after the base LayerNorm, gelu, scaling 0.5, layer 0 left out); Compacter (GPT-2) and
 * Compacter++ (BERT) with PHM projections and the shared rule load from adapter-hub's names too
 * ({@code transformer.shared_parameters.default.phm_rule}). The trainable parameter
 * count equals adapter-hub's and the closed form of the definition.
 *
 * <p>Tolerance: max |Δ| / max |ref| <= 1e-5: both sides compute in float32 through two layers in different
 * summation orders (measured 4e-7 to 1.1e-6). Planted bugs, each caught: the Pfeiffer adapter's residual taken after
 * the residual add instead of before it (pfeiffer_gpt2 0.47, pfeiffer_llama 0.67, pfeiffer_bert 0.71), the parallel
 * adapter's scaling dropped (parallel_gpt2 0.96, parallel_bert 0.70).
 */
class AdapterHubParityTest {
    private static final double TOL = 1e-5;

    private static String base(String name) { return name.substring(name.lastIndexOf('_') + 1); }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby_gpt2", "pfeiffer_gpt2", "parallel_gpt2", "houlsby_llama", "pfeiffer_llama",
        "compacter_gpt2"})
    void decoderAdaptersGiveAdapterHubsLogits(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("adapterhub_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        CausalLm lm = HfCheckpoint.load(Golden.path(base(name)));
        PeftModel peft = AdapterFiles.load(lm, Golden.path("adapterhub/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            Tensor y = peft.model().forward(Golden.ints(idsT), b, t);
            double rel = Golden.relativeToMax(y.contiguous(), g.get(name + ".logits"));
            System.out.printf("adapter-hub -> cortado %s: max rel err %.2e%n", name, rel);
            assertThat(rel).as(name).isLessThanOrEqualTo(TOL);
        }
        checkCounts(name, peft, peft.module());
    }

    @ParameterizedTest
    @ValueSource(strings = {"houlsby_bert", "pfeiffer_bert", "parallel_bert", "custom_bert", "compacterpp_bert"})
    void bertAdaptersGiveAdapterHubsHiddenStates(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("adapterhub_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        EncoderBatch batch = new EncoderBatch(b, t, Golden.ints(idsT), null, Golden.ints(g.get(name + ".attention_mask")));
        BertModel bert = BertCheckpoint.loadModel(Golden.path("bert"));
        PeftModel peft = AdapterFiles.loadModule(bert, "bert", Golden.path("adapterhub/" + name));
        try (NoGrad ng = NoGrad.enter()) {
            double rel = Golden.relativeToMax(bert.forward(batch).lastHiddenState().contiguous(), g.get(name + ".logits"));
            System.out.printf("adapter-hub -> cortado %s: max rel err %.2e%n", name, rel);
            assertThat(rel).as(name).isLessThanOrEqualTo(TOL);
        }
        checkCounts(name, peft, bert);
    }

    /**
     * adapter-hub's {@code Stack("default", "second")}: GPT-2 with a Houlsby then a Pfeiffer adapter, BERT with a
     * Pfeiffer (only at the FFN output) then a Houlsby adapter of reduction 8; both adapters load from adapter-hub's
     * files and {@link BottleneckTuner#stack} runs them in order in each layer. Planted bug, caught: only the last
     * adapter of the stack applied (stack_gpt2 0.74, stack_bert 0.90). (A parallel adapter second in a Stack reads the
     * residual stream, so adapter-hub drops what the first computed: such a case would not tell the two apart.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"stack_gpt2", "stack_bert"})
    void stackedAdaptersGiveAdapterHubsOutputs(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("adapterhub_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        java.nio.file.Path dir = Golden.path("adapterhub/" + name);
        try (NoGrad ng = NoGrad.enter()) {
            Tensor y;
            if (base(name).equals("bert")) {
                BertModel bert = BertCheckpoint.loadModel(Golden.path("bert"));
                PeftModel peft = AdapterFiles.loadModule(bert, "bert", dir);
                AdapterFiles.loadAdapter(peft, "second", dir.resolve("second"));
                BottleneckTuner.stack(peft, java.util.List.of("default", "second"));
                y = bert.forward(new EncoderBatch(b, t, Golden.ints(idsT), null,
                        Golden.ints(g.get(name + ".attention_mask")))).lastHiddenState();
            } else {
                PeftModel peft = AdapterFiles.load(HfCheckpoint.load(Golden.path(base(name))), dir);
                AdapterFiles.loadAdapter(peft, "second", dir.resolve("second"));
                BottleneckTuner.stack(peft, java.util.List.of("default", "second"));
                y = peft.model().forward(Golden.ints(idsT), b, t);
            }
            double rel = Golden.relativeToMax(y.contiguous(), g.get(name + ".logits"));
            System.out.printf("adapter-hub -> cortado %s: max rel err %.2e%n", name, rel);
            assertThat(rel).as(name).isLessThanOrEqualTo(TOL);
        }
    }

    /**
     * adapter-hub's AdapterFusion ("dynamic": query, key, value) over "default" and "second" (GPT-2: two Houlsby
     * adapters, fused at both places; BERT: two Pfeiffer adapters), every fusion tensor redrawn (the value near the
     * identity plus N(0, 0.3²)): the adapters and the fusion layers load from adapter-hub's tensors and give its
     * outputs. Only the fusion layers train once it is active. Planted bug, caught: scores scaled by 1/sqrt(C) as in
     * attention (fusion_gpt2 0.26, fusion_bert 0.18).
     */
    @ParameterizedTest
    @ValueSource(strings = {"fusion_gpt2", "fusion_bert"})
    void adapterFusionGivesAdapterHubsOutputs(String name) {
        Map<String, Tensor> g = Safetensors.load(Golden.path("adapterhub_golden.safetensors"));
        Tensor idsT = g.get(name + ".input_ids");
        int b = idsT.size(0), t = idsT.size(1);
        java.nio.file.Path dir = Golden.path("adapterhub/" + name);
        java.util.List<String> names = java.util.List.of("default", "second");
        boolean bertCase = base(name).equals("bert");
        BertModel bert = bertCase ? BertCheckpoint.loadModel(Golden.path("bert")) : null;
        PeftModel peft = bertCase ? AdapterFiles.loadModule(bert, "bert", dir)
                : AdapterFiles.load(HfCheckpoint.load(Golden.path(base(name))), dir);
        AdapterFiles.loadAdapter(peft, "second", dir.resolve("second"));
        BottleneckTuner.addFusion(peft, names, FusionConfig.dynamic(), 0);
        Map<String, Tensor> saved = Safetensors.load(dir.resolve("fusion.safetensors"));
        Map<String, cortado.nn.Parameter> ours = BottleneckTuner.activateFusion(peft, names);
        assertThat(ours.keySet()).isEqualTo(saved.keySet());
        ours.forEach((k, p) -> p.set(saved.get(k)));
        assertThat(peft.module().namedParameters().values().stream().filter(cortado.nn.Parameter::trainable).count())
                .isEqualTo(saved.size());
        try (NoGrad ng = NoGrad.enter()) {
            Tensor y = bertCase ? bert.forward(new EncoderBatch(b, t, Golden.ints(idsT), null,
                    Golden.ints(g.get(name + ".attention_mask")))).lastHiddenState()
                    : peft.model().forward(Golden.ints(idsT), b, t);
            double rel = Golden.relativeToMax(y.contiguous(), g.get(name + ".logits"));
            System.out.printf("adapter-hub -> cortado %s: max rel err %.2e%n", name, rel);
            assertThat(rel).as(name).isLessThanOrEqualTo(TOL);
        }
    }

    /**
     * Trainable parameters: adapter-hub's count, and the closed form per place, {@code 2·h·m + m + h} (down weight and
     * bias, up weight and bias; Compacter's PHM layers {@code h·r + r·m + m + m·r + r·h + h}, plus one shared n³ rule) with {@code m = max(1, floor(h / reduction_factor))}, times the places: one per
     * layer not left out for each of mh_adapter and output_adapter (the tiny bases: 2 layers, h = 32).
     */
    private static void checkCounts(String name, PeftModel peft, Module root) {
        try {
            Map<String, Object> counts = Json.parseObject(Files.readString(Golden.path("adapterhub_counts.json")));
            BottleneckConfig c = (BottleneckConfig) peft.config(PeftModel.DEFAULT);
            int h = 32, layers = 2, m = Math.max(1, (int) Math.floor(h / c.reductionFactor()));
            long places = (long) (layers - c.leaveOut().size()) * ((c.mhAdapter() ? 1 : 0) + (c.outputAdapter() ? 1 : 0));
            BottleneckConfig.Phm phm = c.phm();
            // Compacter: a PHM layer in -> out has W_left [n, in/n, r], W_right [n, r, out/n], b [out], and the
            // adapter's one rule [n, n, n] is shared by all of them
            long closed = phm == null ? places * (2L * h * m + m + h)
                    : places * ((long) h * phm.rank() + (long) phm.rank() * m + m + (long) m * phm.rank()
                            + (long) phm.rank() * h + h) + (long) phm.dim() * phm.dim() * phm.dim();
            long ours = peft.trainableAndAll()[0];
            assertThat(ours).as(name + " trainable vs adapter-hub").isEqualTo(((Number) counts.get(name)).longValue());
            assertThat(ours).as(name + " trainable vs closed form").isEqualTo(closed);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
