package cortado.nn.models.bert;

import cortado.nn.Init;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * transformers' {@code BertPreTrainedModel._init_weights} for a model built from a config alone (pretraining from
 * scratch) or for a new task head: linear weights and embeddings N(0, initializer_range^2) (the config's
 * {@link BertConfig#initializerRange}; the padding row is not zeroed, as pad_token_id does not reach this reader),
 * biases 0, LayerNorm weight 1 and bias 0. Each parameter draws from its own stream of {@code seed} (its index in HF
 * name order).
 */
public final class BertInit {
    private BertInit() {}

    /** Initializes every parameter of {@code model} with standard deviation {@code std} (initializer_range). */
    public static void apply(Module model, float std, long seed) { apply(model, std, seed, ""); }

    /** Initializes the parameters whose names start with {@code prefix} (e.g. a new head's "classifier."). */
    public static void apply(Module model, float std, long seed, String prefix) {
        long stream = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            stream++;
            String name = e.getKey();
            if (!name.startsWith(prefix)) continue;
            Tensor t = e.getValue().value();
            if (name.endsWith("LayerNorm.weight")) Init.constant(t, 1f);
            else if (name.endsWith("bias")) Init.constant(t, 0f);
            else Init.normal(t, std, seed, stream);
        }
    }
}
