package cortado.peft;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Init;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.bert.BertConfig;
import cortado.nn.models.bert.BertForSequenceClassification;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import cortado.nn.models.Models;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small random bases for the tests: GPT-2 (tied head, Conv1D projections) and Llama (untied lm_head, Linear). */
final class TinyModels {
    /** Rows and positions of the tests' batches. */
    static final int B = 2, T = 5;

    private TinyModels() {}

    /** The logits of {@code ids} ({@code [B*T]}) without autograd, as a host array. */
    static float[] logits(CausalLm m, int[] ids) {
        try (NoGrad ng = NoGrad.enter()) {
            return m.forward(ids, B, T).toArray();
        }
    }

    /** {@code steps} plain gradient steps of size {@code lr} on the trainable parameters, on fixed random ids. */
    static void sgdSteps(CausalLm model, int steps, float lr) {
        int[] ids = ids(B * T, 96, 4), targets = ids(B * T, 96, 5);
        for (int step = 0; step < steps; step++) {
            model.module().namedParameters().values().forEach(p -> p.value().setGrad(null));
            Autograd.backward(model.loss(ids, targets, B, T));
            try (NoGrad ng = NoGrad.enter()) {
                for (Parameter p : model.module().namedParameters().values())
                    if (p.trainable() && p.value().grad() != null) p.set(F.sub(p.value(), F.scale(p.value().grad(), lr)));
            }
        }
    }

    static CausalLm gpt2(long seed) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "gpt2");
        c.put("n_embd", 32L);
        c.put("n_head", 4L);
        c.put("n_layer", 2L);
        c.put("n_positions", 32L);
        c.put("vocab_size", 96L);
        return eval(Models.fromConfig(c, seed));
    }

    static CausalLm llama(long seed) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", "llama");
        c.put("hidden_size", 32L);
        c.put("intermediate_size", 64L);
        c.put("num_hidden_layers", 2L);
        c.put("num_attention_heads", 4L);
        c.put("num_key_value_heads", 2L);
        c.put("vocab_size", 96L);
        c.put("max_position_embeddings", 64L);
        c.put("tie_word_embeddings", false);
        return eval(Models.fromConfig(c, seed));
    }

    /**
     * A BERT encoder with a sequence-classification head (3 labels), every parameter drawn (the constructors leave
     * zeros): weights N(0, 0.2²), LayerNorm weights 1 + N(0, 0.1²), biases N(0, 0.1²).
     */
    static BertForSequenceClassification bertClassifier(long seed) {
        BertConfig c = new BertConfig(96, 32, 2, 4, 48, "gelu", 32, 2, 1e-12f, 3, "BertForSequenceClassification");
        BertForSequenceClassification m = new BertForSequenceClassification(c);
        long stream = 0;
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            Tensor t = e.getValue().value();
            boolean norm = e.getKey().contains("LayerNorm.weight");
            Init.normal(t, e.getKey().endsWith("bias") || norm ? 0.1f : 0.2f, seed, stream++);
            if (norm) try (cortado.autograd.NoGrad ng = cortado.autograd.NoGrad.enter()) {
                e.getValue().set(cortado.autograd.F.addScalar(t, 1f));
            }
        }
        m.eval();
        return m;
    }

    static EncoderBatch encoderBatch(int batch, int seq, long seed) {
        int[] mask = new int[batch * seq];
        java.util.Arrays.fill(mask, 1);
        mask[mask.length - 1] = 0;   // the last row padded by one
        return new EncoderBatch(batch, seq, ids(batch * seq, 96, seed), null, mask);
    }

    private static CausalLm eval(CausalLm m) {
        m.module().eval();
        return m;
    }

    static int[] ids(int n, int vocab, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
        return ids;
    }

    /** max |a - b| / max |b|. */
    static double relDiff(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / den;
    }
}
