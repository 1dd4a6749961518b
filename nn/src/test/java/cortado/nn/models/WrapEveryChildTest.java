package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.nn.Dropout;
import cortado.nn.Init;
import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.SelfAttention;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.tensor.AttentionMask;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every layer is called by its name, so PEFT can wrap any of them: in every family, each child that is a {@link Layer}
 * (projections, norms, embeddings, feed-forwards, the head) or a {@link SelfAttention} is replaced by a wrapper that
 * delegates and counts its calls. Wrapped, the logits are bit-identical and every wrapper was called (with and without
 * a KV cache); a wrapper that scales its output by 1.5 instead changes the logits, so no path bypasses the tree.
 */
class WrapEveryChildTest {

    /** A delegating wrapper holding the wrapped module as {@code base_layer}, as PEFT's tuner layers do. */
    static final class CountingLayer extends Module implements Layer {
        final float scale;
        int calls;

        CountingLayer(Module base, float scale) {
            child("base_layer", base);
            this.scale = scale;
        }

        @Override
        public Tensor forward(Tensor x) {
            calls++;
            Layer base = childAt("base_layer");
            Tensor y = base.forward(x);
            return scale == 1f ? y : F.scale(y, scale);
        }

        @Override
        public Tensor forwardGelu(Tensor x) {
            if (scale != 1f) return F.gelu(forward(x));
            calls++;
            Layer base = childAt("base_layer");
            return base.forwardGelu(x);
        }
    }

    static final class CountingAttention extends Module implements SelfAttention {
        final float scale;
        int calls;

        CountingAttention(Module base, float scale) {
            child("base_layer", base);
            this.scale = scale;
        }

        @Override
        public Tensor forward(Tensor x, int batch, int seq, int[] positions, KvCache cache, int layer, AttentionMask mask) {
            calls++;
            SelfAttention base = childAt("base_layer");
            Tensor y = base.forward(x, batch, seq, positions, cache, layer, mask);
            return scale == 1f ? y : F.scale(y, scale);
        }
    }

    private static Module wrap(Module m, float scale) {
        if (m instanceof SelfAttention) return new CountingAttention(m, scale);
        return new CountingLayer(m, scale);
    }

    private static int calls(Module wrapper) {
        return wrapper instanceof CountingAttention a ? a.calls : ((CountingLayer) wrapper).calls;
    }

    /** Paths of every wrappable child, deepest first (so wrapping one never hides a deeper one's path). */
    private static List<String> wrappable(Module root) {
        List<String> paths = new ArrayList<>();
        root.namedModules().forEach((path, m) -> {
            // Dropout layers are the identity here (rate 0) and have their own tests (DropoutTest).
            if (!path.isEmpty() && !(m instanceof Dropout) && (m instanceof Layer || m instanceof SelfAttention))
                paths.add(path);
        });
        paths.sort(Comparator.comparingInt((String p) -> p.split("\\.").length).reversed());
        return paths;
    }

    private static void checkFamily(Module root, Supplier<float[]> logits, List<String> mustInclude) {
        float[] reference = logits.get();
        List<String> paths = wrappable(root);
        assertThat(paths).containsAll(mustInclude);
        Map<String, Parameter> names = new LinkedHashMap<>(root.namedParameters());

        // One at a time, scaled: the forward must see the replacement.
        for (String path : paths) {
            Module original = root.get(path);
            root.replace(path, wrap(original, 1.5f));
            assertThat(logits.get()).as("scaling " + path + " must change the logits").isNotEqualTo(reference);
            root.replace(path, original);
        }
        assertThat(logits.get()).containsExactly(reference);
        assertThat(root.namedParameters()).as("HF names unchanged after restoring").isEqualTo(names);

        // All at once, delegating: the same logits to the bit, and every wrapper called.
        Map<String, Module> wrappers = new LinkedHashMap<>();
        for (String path : paths) {
            Module w = wrap(root.get(path), 1f);
            root.replace(path, w);
            wrappers.put(path, w);
        }
        assertThat(logits.get()).containsExactly(reference);
        wrappers.forEach((path, w) -> assertThat(calls(w)).as(path + " called").isPositive());
    }

    /** Logits of a fixed batch without a cache, then of the same tokens decoded through a KV cache (prefill + steps). */
    private static Supplier<float[]> decoderLogits(CausalLm m) {
        int[] ids = {3, 1, 4, 1, 5, 9, 2, 6};
        return () -> {
            float[] full = m.forward(ids, 2, 4).toArray();
            KvCache cache = m.newCache(2, 8);
            float[] prefill = m.nextTokenLogits(new int[] {3, 1, 4, 5, 9, 2}, 2, 3, cache).toArray();
            float[] step;
            try (NoGrad g = NoGrad.enter()) {
                step = m.forward(new int[] {1, 6}, 2, 1, cache).toArray();
            }
            float[] out = new float[full.length + prefill.length + step.length];
            System.arraycopy(full, 0, out, 0, full.length);
            System.arraycopy(prefill, 0, out, full.length, prefill.length);
            System.arraycopy(step, 0, out, full.length + prefill.length, step.length);
            return out;
        };
    }

    @SuppressWarnings("unchecked")
    private static LlamaConfig llamaFamily(String json) { return LlamaConfig.fromHfJson((Map<String, Object>) Json.parse(json)); }

    @Test
    void gpt2TiedAndUntied() {
        for (boolean tied : new boolean[] {true, false}) {
            Gpt2Config c = new Gpt2Config(50, 16, 16, 2, 2, 64, 1e-5f, 0.02f, tied, 0, List.of(0));
            Gpt2LmHeadModel m = new Gpt2LmHeadModel(c, 7);
            List<String> must = new ArrayList<>(List.of("transformer.wte", "transformer.wpe", "transformer.ln_f",
                    "transformer.h.0.ln_1", "transformer.h.0.attn", "transformer.h.0.attn.c_attn",
                    "transformer.h.0.attn.c_proj", "transformer.h.1.mlp", "transformer.h.1.mlp.c_fc",
                    "transformer.h.1.mlp.c_proj", "transformer.h.1.ln_2"));
            if (!tied) must.add("lm_head");
            checkFamily(m, decoderLogits(m), must);
        }
    }

    @Test
    void llamaMistralQwen2Qwen3() {
        String sizes = "\"vocab_size\": 40, \"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"max_position_embeddings\": 32";
        List<LlamaConfig> configs = List.of(
                llamaFamily("{\"model_type\": \"llama\", " + sizes + ", \"attention_bias\": true, \"mlp_bias\": true}"),
                llamaFamily("{\"model_type\": \"mistral\", " + sizes + ", \"sliding_window\": 2}"),
                llamaFamily("{\"model_type\": \"qwen2\", " + sizes + ", \"tie_word_embeddings\": true}"),
                llamaFamily("{\"model_type\": \"qwen3\", " + sizes + ", \"head_dim\": 8}"));
        for (LlamaConfig c : configs) {
            LlamaForCausalLm m = new LlamaForCausalLm(c, 11);
            randomizeNorms(m, 5);  // norms start at one; drawn, a wrong norm call cannot hide
            List<String> must = new ArrayList<>(List.of("model.embed_tokens", "model.norm",
                    "model.layers.0.input_layernorm", "model.layers.0.self_attn", "model.layers.0.self_attn.q_proj",
                    "model.layers.0.self_attn.k_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.0.self_attn.o_proj", "model.layers.1.post_attention_layernorm",
                    "model.layers.1.mlp", "model.layers.1.mlp.gate_proj", "model.layers.1.mlp.up_proj",
                    "model.layers.1.mlp.down_proj"));
            if (!c.tieWordEmbeddings()) must.add("lm_head");
            if (c.modelType().equals("qwen3")) must.addAll(List.of("model.layers.1.self_attn.q_norm",
                    "model.layers.1.self_attn.k_norm"));
            checkFamily(m, decoderLogits(m), must);
        }
    }

    @Test
    void bertEncoderHeads() {
        @SuppressWarnings("unchecked")
        BertConfig c = BertConfig.fromHfJson((Map<String, Object>) Json.parse("{\"model_type\": \"bert\","
                + " \"vocab_size\": 30, \"hidden_size\": 16, \"num_hidden_layers\": 2, \"num_attention_heads\": 2,"
                + " \"intermediate_size\": 32, \"max_position_embeddings\": 16, \"type_vocab_size\": 2}"));
        EncoderBatch batch = new EncoderBatch(2, 4, new int[] {2, 7, 9, 3, 2, 5, 3, 0},
                new int[] {0, 0, 1, 1, 0, 0, 1, 1}, new int[] {1, 1, 1, 1, 1, 1, 1, 0});
        var cls = new BertForSequenceClassification(c);
        cls.eval();   // BERT's config defaults to dropout 0.1: eval mode keeps the logits deterministic
        randomize(cls, 3);
        checkFamily(cls, () -> cls.forward(batch).toArray(), List.of("bert.embeddings.word_embeddings",
                "bert.embeddings.position_embeddings", "bert.embeddings.token_type_embeddings",
                "bert.embeddings.LayerNorm", "bert.encoder.layer.0.attention", "bert.encoder.layer.0.attention.self",
                "bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.attention.self.key",
                "bert.encoder.layer.0.attention.self.value", "bert.encoder.layer.0.attention.output.dense",
                "bert.encoder.layer.0.attention.output.LayerNorm", "bert.encoder.layer.1.intermediate",
                "bert.encoder.layer.1.intermediate.dense", "bert.encoder.layer.1.output.dense",
                "bert.encoder.layer.1.output.LayerNorm", "bert.pooler", "bert.pooler.dense", "classifier"));
        var mlm = new BertForMaskedLM(c);
        mlm.eval();
        randomize(mlm, 4);
        checkFamily(mlm, () -> mlm.forward(batch).toArray(), List.of("bert.embeddings.word_embeddings",
                "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm"));
    }

    private static void randomize(Module m, long seed) {
        long stream = 0;
        for (Parameter p : m.namedParameters().values()) Init.normal(p.value(), 0.3f, seed, ++stream);
    }

    private static void randomizeNorms(Module m, long seed) {
        long stream = 0;
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet())
            if (e.getKey().endsWith("norm.weight")) {
                Tensor w = e.getValue().value();
                Init.normal(w, 0.3f, seed, ++stream);
                float[] a = w.toArray();
                for (int i = 0; i < a.length; i++) a[i] += 1f;
                e.getValue().set(Tensor.of(a, w.shape()));
            }
    }
}
