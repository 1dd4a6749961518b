package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Parameter;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parameter names, order and shapes equal transformers' {@code named_parameters()} for the same tiny configs. The
 * expected lists were printed by transformers 5.18 (GPT2LMHeadModel(GPT2Config(vocab_size=257, n_positions=64,
 * n_embd=32, n_layer=2, n_head=4)) and LlamaForCausalLM(LlamaConfig(vocab_size=257, hidden_size=32,
 * intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2))) and written out here.
 */
class ParameterNamesTest {

    private static List<String> listing(Map<String, Parameter> params) {
        List<String> out = new ArrayList<>();
        params.forEach((n, p) -> out.add(n + " " + Arrays.toString(p.shape())));
        return out;
    }

    private static List<String> hfGpt2Layer(int i) {
        String p = "transformer.h." + i + ".";
        return List.of(
                p + "ln_1.weight [32]", p + "ln_1.bias [32]",
                p + "attn.c_attn.weight [32, 96]", p + "attn.c_attn.bias [96]",
                p + "attn.c_proj.weight [32, 32]", p + "attn.c_proj.bias [32]",
                p + "ln_2.weight [32]", p + "ln_2.bias [32]",
                p + "mlp.c_fc.weight [32, 128]", p + "mlp.c_fc.bias [128]",
                p + "mlp.c_proj.weight [128, 32]", p + "mlp.c_proj.bias [32]");
    }

    @Test
    void gpt2TinyMatchesHuggingFaceNamesAndShapes() {
        CausalLm m = Presets.create("gpt2-tiny", 1);
        List<String> expected = new ArrayList<>();
        expected.add("transformer.wte.weight [257, 32]");
        expected.add("transformer.wpe.weight [64, 32]");
        expected.addAll(hfGpt2Layer(0));
        expected.addAll(hfGpt2Layer(1));
        expected.add("transformer.ln_f.weight [32]");
        expected.add("transformer.ln_f.bias [32]");
        assertThat(listing(m.module().namedParameters())).containsExactlyElementsOf(expected);
        // 257*32 + 64*32 + 2 * (12*32*32 + 13*32) + 2*32
        assertThat(m.module().parameterCount()).isEqualTo(257 * 32 + 64 * 32 + 2 * (12 * 32 * 32 + 13 * 32) + 64);
    }

    @Test
    void gpt2UntiedHasItsOwnHeadListedLast() {
        Gpt2Config c = Gpt2Config.of(257, 64, 32, 2, 4, 256);
        Gpt2Config untied = new Gpt2Config(c.vocabSize(), c.nPositions(), c.nEmbd(), c.nLayer(), c.nHead(), c.nInner(),
                c.layerNormEpsilon(), c.initializerRange(), false, c.bosTokenId(), c.eosTokenIds());
        List<String> names = listing(new Gpt2LmHeadModel(untied, 1).namedParameters());
        assertThat(names).hasSize(2 + 24 + 2 + 1);
        assertThat(names.getLast()).isEqualTo("lm_head.weight [257, 32]");
    }

    @Test
    void gpt2124mHasHuggingFaceParameterCount() {
        // transformers: sum(p.numel() for p in GPT2LMHeadModel(GPT2Config()).parameters()) == 124439808
        Gpt2Config c = (Gpt2Config) Presets.config("gpt2-124m");
        assertThat(new Gpt2LmHeadModel(c).parameterCount()).isEqualTo(124_439_808L);
    }

    private static List<String> hfLlamaLayer(int i) {
        String p = "model.layers." + i + ".";
        return List.of(
                p + "self_attn.q_proj.weight [32, 32]", p + "self_attn.k_proj.weight [16, 32]",
                p + "self_attn.v_proj.weight [16, 32]", p + "self_attn.o_proj.weight [32, 32]",
                p + "mlp.gate_proj.weight [64, 32]", p + "mlp.up_proj.weight [64, 32]",
                p + "mlp.down_proj.weight [32, 64]",
                p + "input_layernorm.weight [32]", p + "post_attention_layernorm.weight [32]");
    }

    @Test
    void llamaTinyMatchesHuggingFaceNamesAndShapes() {
        CausalLm m = Presets.create("llama-tiny", 1);
        List<String> expected = new ArrayList<>();
        expected.add("model.embed_tokens.weight [257, 32]");
        expected.addAll(hfLlamaLayer(0));
        expected.addAll(hfLlamaLayer(1));
        expected.add("model.norm.weight [32]");
        expected.add("lm_head.weight [257, 32]");
        assertThat(listing(m.module().namedParameters())).containsExactlyElementsOf(expected);
    }

    @Test
    void llamaTiedListsTheSharedMatrixOnceUnderEmbedTokens() {
        LlamaConfig c = (LlamaConfig) Presets.config("llama-tiny");
        LlamaConfig tied = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(),
                c.maxPositionEmbeddings(), true, c.initializerRange(), c.bosTokenId(), c.eosTokenIds());
        Map<String, Parameter> params = new LlamaForCausalLm(tied, 1).namedParameters();
        assertThat(params).doesNotContainKey("lm_head.weight").containsKey("model.embed_tokens.weight");
        assertThat(params).hasSize(1 + 2 * 9 + 1);
    }

    @Test
    void childrenCanBeReplacedByPath() {
        CausalLm m = Presets.create("llama-tiny", 1);
        var old = m.module().get("model.layers.0.self_attn.q_proj");
        var replacement = new cortado.nn.Linear(32, 32, false);
        assertThat(m.module().replace("model.layers.0.self_attn.q_proj", replacement)).isSameAs(old);
        assertThat(m.module().namedParameters().get("model.layers.0.self_attn.q_proj.weight"))
                .isSameAs(replacement.weight());
    }
}
