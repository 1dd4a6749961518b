package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Models;
import cortado.nn.models.ModelConfig;
import cortado.nn.models.Presets;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import cortado.peft.PeftMethods;
import cortado.peft.PeftModel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Plan} against hand computations for GPT-2 124M, a Llama 3.2 1B shape and a Llama 7B shape (every count,
 * memory and FLOPs figure below is worked out by hand from the published shapes), and against the real thing on small
 * models: the parameters Cortado builds, the state its optimizers allocate, the adapters PEFT injects.
 */
class PlanTest {
    static final Gpt2Config GPT2_124M = (Gpt2Config) Presets.config("gpt2-124m");
    /** meta-llama/Llama-3.2-1B's shape: 16 layers of 2048, 32 query heads over 8 key/value heads, tied head. */
    static final LlamaConfig LLAMA_32_1B = new LlamaConfig(128256, 2048, 8192, 16, 32, 8, 64, 1e-5f, 500000f, 131072,
            true, 0.02f, 128000, List.of(128001));
    /** Llama (2) 7B's shape: 32 layers of 4096, MLP 11008, 32 heads, untied head, 32000 tokens. */
    static final LlamaConfig LLAMA_7B = new LlamaConfig(32000, 4096, 11008, 32, 32, 32, 128, 1e-5f, 10000f, 4096,
            false, 0.02f, 1, List.of(2));

    @Test
    void gpt2_124mByHand() {
        Plan p = Plan.of(GPT2_124M, Plan.Method.FULL, 0, 4, 1024, 1_000_000_000L);
        long wte = 50257L * 768, wpe = 1024L * 768;
        long ln = 2 * 768, cAttn = 768L * 2304 + 2304, attnProj = 768L * 768 + 768, cFc = 768L * 3072 + 3072,
                mlpProj = 3072L * 768 + 768;
        long perLayer = ln + cAttn + attnProj + ln + cFc + mlpProj;
        assertThat(perLayer).isEqualTo(7_087_872);
        long n = wte + wpe + 12 * perLayer + ln;   // + ln_f; the head is tied: no parameter of its own
        assertThat(n).isEqualTo(124_439_808L);
        assertThat(p.parameters()).isEqualTo(n);
        assertThat(p.embeddingParameters()).isEqualTo(wte + wpe);
        assertThat(p.headParameters()).isZero();
        assertThat(p.blockParameters()).isEqualTo(12 * perLayer);
        assertThat(p.trainableParameters()).isEqualTo(n);

        // memory lines
        assertThat(p.weightBytes(Plan.Precision.FP32)).isEqualTo(497_759_232L);           // 4 N
        assertThat(p.weightBytes(Plan.Precision.BF16)).isEqualTo(248_879_616L);           // 2 N
        assertThat(p.gradientBytes(Plan.Precision.FP32)).isEqualTo(497_759_232L);
        assertThat(p.adamWBytes()).isEqualTo(995_518_464L);                                // 8 N
        // 8-bit: the matrices (>= 4096 elements, multiples of 256) at 2 + 8/256 bytes; norms and biases fp32 (8 bytes)
        long big = wte + wpe + 12 * (768L * 2304 + 768L * 768 + 2 * 768L * 3072);
        long small = n - big;
        assertThat(small).isEqualTo(12 * (4 * 768 + 2304 + 768 + 3072 + 768) + 2 * 768);
        assertThat(p.adamW8bitBytes()).isEqualTo(2 * big + big / 32 + 8 * small).isEqualTo(253_492_632L);
        // activations, B = 4, T = 1024, h = 768, a = 12: (16 s b h + a s^2 b) elements per layer, 4 bytes, 12 layers
        long sbh = 1024L * 4 * 768;
        assertThat(p.activationBytes(Plan.Precision.FP32, false))
                .isEqualTo((16 * sbh + 12L * 1024 * 1024 * 4) * 4 * 12).isEqualTo(4_831_838_208L);
        // fused attention keeps a s b log-sum-exps instead of the probabilities
        assertThat(p.activationBytes(Plan.Precision.FP32, true)).isEqualTo((16 * sbh + 12L * 1024 * 4) * 4 * 12);
        assertThat(p.activationBytes(Plan.Precision.BF16, true)).isEqualTo((16 * sbh + 12L * 1024 * 4) * 2 * 12);
        assertThat(p.checkpointedActivationBytes(Plan.Precision.FP32, true))
                .isEqualTo((12 * sbh + 16 * sbh + 12L * 1024 * 4) * 4);
        assertThat(p.totalBytes(Plan.Precision.FP32, false))
                .isEqualTo(497_759_232L * 2 + 995_518_464L + (16 * sbh + 12L * 1024 * 4) * 4 * 12);

        // FLOPs lines, D = 1e9 tokens
        assertThat(p.trainingFlops()).isCloseTo(6 * 124_439_808.0 * 1e9, within(1e3));        // 7.466e17
        assertThat(p.attentionFlopsPerToken()).isEqualTo(12.0 * 12 * 1024 * 768);          // 113,246,208
        assertThat(p.trainingFlopsWithAttention()).isCloseTo((6 * 124_439_808.0 + 113_246_208.0) * 1e9, within(1e3));
        assertThat(p.chinchillaTokens()).isEqualTo(2_488_796_160L);                        // 20 N
        assertThat(Plan.of(GPT2_124M, Plan.Method.FULL, 0, 4, 1024, 0).tokens()).isEqualTo(2_488_796_160L);

        // LoRA r = 8 on c_attn (PEFT's default for gpt2): A [8, 768] + B [2304, 8] per layer
        Plan lora = Plan.of(GPT2_124M, Plan.Method.LORA, 8, 4, 1024, 1_000_000_000L);
        long adapters = 12 * (8L * 768 + 2304L * 8);
        assertThat(adapters).isEqualTo(294_912);   // PEFT's print_trainable_parameters for gpt2, r = 8
        assertThat(lora.trainableParameters()).isEqualTo(adapters);
        assertThat(lora.weightBytes(Plan.Precision.FP32)).isEqualTo(4 * (n + adapters));
        assertThat(lora.gradientBytes(Plan.Precision.FP32)).isEqualTo(4 * adapters);
        assertThat(lora.adamWBytes()).isEqualTo(8 * adapters);
        assertThat(lora.adamW8bitBytes()).isEqualTo(12 * (2 * 6144 + 8 * 24 + 2 * 18432 + 8 * 72));
        assertThat(lora.activationBytes(Plan.Precision.FP32, true))
                .isEqualTo((16 * sbh + 12L * 1024 * 4 + 1024L * 4 * 8) * 4 * 12);  // + each adapter's s b r middle
        assertThat(lora.flopsPerToken()).isEqualTo(4.0 * n + 6.0 * adapters);
    }

    @Test
    void llama32_1bShapeByHand() {
        Plan p = Plan.of(LLAMA_32_1B, Plan.Method.FULL, 0, 1, 2048, 0);
        long embed = 128256L * 2048;
        long q = 2048L * 2048, kv = 2048L * 512, o = 2048L * 2048, mlp = 3 * 2048L * 8192, norms = 2 * 2048;
        long matrices = q + 2 * kv + o + mlp;
        long n = embed + 16 * (matrices + norms) + 2048;   // tied head
        assertThat(n).isEqualTo(1_235_814_400L);
        assertThat(p.parameters()).isEqualTo(n);
        assertThat(p.embeddingParameters()).isEqualTo(262_668_288L);
        assertThat(p.blockMatrixParameters()).isEqualTo(16 * matrices).isEqualTo(973_078_528L);
        assertThat(p.weightBytes(Plan.Precision.FP32)).isEqualTo(4_943_257_600L);
        assertThat(p.weightBytes(Plan.Precision.BF16)).isEqualTo(2_471_628_800L);
        assertThat(p.adamWBytes()).isEqualTo(9_886_515_200L);
        // activations bf16, B = 1, T = 2048, fused: norms 2sbh; attention sb(h + 2 q + 2 kv) + a s b; gated MLP sbh + 4 sb ff
        long sb = 2048;
        long perLayer = 2 * sb * 2048 + sb * (2048 + 2 * 2048 + 2 * 512) + 32 * sb + sb * 2048 + 4 * sb * 8192;
        assertThat(perLayer).isEqualTo(8_388_608 + 14_680_064 + 65_536 + 71_303_168);
        assertThat(p.activationBytes(Plan.Precision.BF16, true)).isEqualTo(perLayer * 16 * 2).isEqualTo(3_021_996_032L);
        assertThat(p.trainingFlops()).isCloseTo(6.0 * n * 20 * n, within(1e9));   // at Chinchilla's 20 N tokens

        // QLoRA r = 16 on q_proj and v_proj: NF4 block matrices (all multiples of 64 x 256: exactly 4.1270 bits), the
        // embedding and norms in bf16, the adapters in bf16
        Plan ql = Plan.of(LLAMA_32_1B, Plan.Method.QLORA, 16, 1, 2048, 0);
        long adapters = 16 * (16L * 2048 + 2048L * 16 + 16L * 2048 + 512L * 16);
        assertThat(ql.trainableParameters()).isEqualTo(adapters).isEqualTo(1_703_936L);
        long nf4 = 973_078_528L / 2 + 973_078_528L / 64 + 4 * (973_078_528L / 64 / 256);
        assertThat(nf4).isEqualTo(501_981_184L);
        assertThat(nf4 * 8.0 / 973_078_528L).isCloseTo(Plan.NF4_BITS_PER_WEIGHT, within(1e-12));
        assertThat(Plan.NF4_BITS_PER_WEIGHT).isCloseTo(4.127, within(5e-4));
        assertThat(ql.weightBytes(Plan.Precision.BF16)).isEqualTo(nf4 + (n - 973_078_528L) * 2 + adapters * 2)
                .isEqualTo(1_030_860_800L);
        assertThat(ql.gradientBytes(Plan.Precision.BF16)).isEqualTo(2 * adapters);
        assertThat(ql.adamWBytes()).isEqualTo(8 * adapters);
    }

    @Test
    void llama7bShapeByHand() {
        Plan p = Plan.of(LLAMA_7B, Plan.Method.FULL, 0, 1, 4096, 2_000_000_000_000L);
        long embed = 32000L * 4096, head = 32000L * 4096;
        long perLayer = 4 * 4096L * 4096 + 3 * 4096L * 11008 + 2 * 4096;
        long n = embed + 32 * perLayer + 4096 + head;
        assertThat(n).isEqualTo(6_738_415_616L);
        assertThat(p.parameters()).isEqualTo(n);
        assertThat(p.embeddingParameters()).isEqualTo(embed);
        assertThat(p.headParameters()).isEqualTo(head);
        assertThat(p.weightBytes(Plan.Precision.FP32)).isEqualTo(26_953_662_464L);
        assertThat(p.weightBytes(Plan.Precision.BF16)).isEqualTo(13_476_831_232L);
        assertThat(p.gradientBytes(Plan.Precision.BF16)).isEqualTo(13_476_831_232L);
        assertThat(p.adamWBytes()).isEqualTo(53_907_324_928L);
        long sb = 4096;
        long act = 2 * sb * 4096 + sb * 5 * 4096 + 32 * sb + sb * 4096 + 4 * sb * 11008;
        assertThat(act).isEqualTo(314_703_872L);
        assertThat(p.activationBytes(Plan.Precision.BF16, true)).isEqualTo(act * 32 * 2).isEqualTo(20_141_047_808L);
        assertThat(p.activationBytes(Plan.Precision.BF16, false))
                .isEqualTo((act - 32 * sb + 32L * 4096 * 4096) * 32 * 2);
        // Llama 2 7B's own run: 2T tokens, 6ND = 8.09e22 FLOPs; PaLM's attention term adds 12 L T d per token
        assertThat(p.trainingFlops()).isCloseTo(6 * 6_738_415_616.0 * 2e12, within(1e10));
        assertThat(p.trainingFlopsWithAttention())
                .isCloseTo((6 * 6_738_415_616.0 + 12.0 * 32 * 4096 * 4096) * 2e12, within(1e10));
        assertThat(Plan.REFERENCES.get(2).flops()).isCloseTo(p.trainingFlops(), within(1e10));
        assertThat(Plan.REFERENCES.get(0).flops()).isCloseTo(3.15e23, within(1e20));   // GPT-3: 6 x 175e9 x 300e9
    }

    /** The counted shapes are the shapes Cortado builds, name for name, for every family and option. */
    @Test
    void shapesAreTheBuiltModelsShapes() {
        List<ModelConfig> configs = List.of(Presets.config("gpt2-tiny"), Presets.config("llama-tiny"),
                new Gpt2Config(300, 40, 24, 2, 3, 50, 1e-5f, 0.02f, false, 0, List.of(0)),
                family("qwen3", ",\"attention_bias\":true"), family("qwen2", ""), family("mistral", ""),
                family("llama", ",\"attention_bias\":true,\"mlp_bias\":true,\"tie_word_embeddings\":true"));
        for (ModelConfig c : configs) {
            CausalLm m = Models.create(c, 1);
            Map<String, List<Long>> built = new LinkedHashMap<>(), counted = new LinkedHashMap<>();
            m.module().namedParameters().forEach((k, v) -> built.put(k, Arrays.stream(v.value().shape()).asLongStream().boxed().toList()));
            for (ParameterShapes.Entry e : ParameterShapes.of(c).entries())
                counted.put(e.name(), Arrays.stream(e.shape()).boxed().toList());
            assertThat(counted).as(c.toString()).isEqualTo(built);
            assertThat(Plan.of(c, Plan.Method.FULL, 0, 1, 8, 0).parameters()).isEqualTo(m.module().parameterCount());
        }
    }

    private static ModelConfig family(String type, String extra) {
        return Models.config(cortado.data.json.Json.parseObject("{\"model_type\":\"" + type + "\",\"vocab_size\":70,"
                + "\"hidden_size\":32,\"intermediate_size\":40,\"num_hidden_layers\":2,\"num_attention_heads\":4,"
                + "\"num_key_value_heads\":2,\"head_dim\":8,\"max_position_embeddings\":16" + extra + "}"));
    }

    /** The optimizer state the plan predicts is what AdamW and AdamW8bit allocate; LoRA's count is PEFT's. */
    @Test
    void optimizerStateAndAdaptersMatchTheRealOnes() {
        ModelConfig c = new Gpt2Config(257, 64, 64, 2, 4, 256, 1e-5f, 0.02f, true, 256, List.of(256));
        Plan p = Plan.of(c, Plan.Method.FULL, 0, 2, 8, 0);
        for (boolean eightBit : new boolean[] {false, true}) {
            CausalLm m = Models.create(c, 1);
            Map<String, Parameter> params = m.module().namedParameters();
            Optimizer o = eightBit ? new AdamW8bit(params, 0f) : new AdamW(params, 0f);
            for (Parameter q : params.values()) q.value().setGrad(Tensor.zeros(q.value().shape()));
            o.step(1e-3f, 1f);
            assertThat(o.stateBytesTotal()).as(eightBit ? "8-bit" : "fp32")
                    .isEqualTo(eightBit ? p.adamW8bitBytes() : p.adamWBytes());
        }
        for (ModelConfig cfg : List.of(c, Presets.config("llama-tiny"))) {
            PeftModel peft = PeftModel.wrap(Models.create(cfg, 1),
                    PeftMethods.config("lora", new PeftMethods.Options(4, null, null, null, false, null, null)), 1);
            assertThat(Plan.of(cfg, Plan.Method.LORA, 4, 1, 8, 0).trainableParameters()).isEqualTo(peft.trainableAndAll()[0]);
        }
    }
}
