package cortado.nn.embed;

import cortado.autograd.F;
import cortado.data.json.Json;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * sentence-transformers' {@code Dense} module on the sentence embedding: {@code activation(x W^T + b)}, plus {@code x}
 * (or {@code x R^T} when the width changes) with {@code use_residual}. Weights are its folder's model.safetensors
 * ({@code linear.weight [out, in]}, {@code linear.bias}, {@code residual.weight}); the activation is the torch class
 * its config names, built with default arguments as ST does (so GELU is the exact erf form).
 */
public record Dense(Tensor weight, Tensor bias, Tensor residual, boolean useResidual, Activation activation)
        implements EmbeddingStep {

    /** The activations Cortado has, by the class name ST writes ({@code fullname(activation_function)}). */
    public enum Activation {
        IDENTITY("torch.nn.modules.linear.Identity"), TANH("torch.nn.modules.activation.Tanh"),
        GELU("torch.nn.modules.activation.GELU"), SIGMOID("torch.nn.modules.activation.Sigmoid"),
        SILU("torch.nn.modules.activation.SiLU");

        final String torchName;

        Activation(String torchName) { this.torchName = torchName; }

        Tensor apply(Tensor x) {
            return switch (this) {
                case IDENTITY -> x;
                case TANH -> F.tanh(x);
                case GELU -> F.geluErf(x);
                case SIGMOID -> F.sigmoid(x);
                case SILU -> F.silu(x);
            };
        }
    }

    private static final Set<String> KEYS = Set.of("in_features", "out_features", "bias", "activation_function",
            "module_input_name", "module_output_name", "use_residual");

    @Override
    public Tensor apply(Tensor x) {
        Tensor out = activation.apply(F.linear(x, weight, bias));
        if (!useResidual) return out;
        return F.add(out, residual == null ? x : F.linear(x, residual, null));
    }

    /** Output width. */
    public int outFeatures() { return weight.size(0); }

    /** Loads {@code dir} (config.json and model.safetensors), checking it takes vectors of width {@code in}. */
    static Dense load(Path dir, int in) {
        Path cfgFile = dir.resolve("config.json");
        Map<String, Object> c = SentenceTransformer.object(cfgFile);
        for (String key : c.keySet())
            if (!KEYS.contains(key)) throw CheckpointException.at(cfgFile, "field " + key + " is not a Dense setting Cortado knows");
        for (String key : new String[] {"module_input_name", "module_output_name"})
            if (c.get(key) != null && !"sentence_embedding".equals(c.get(key)))
                throw CheckpointException.at(cfgFile, key + " " + Json.write(c.get(key)) + " is not supported (sentence_embedding)");
        int inFeatures = SentenceTransformer.positive(c.get("in_features"), cfgFile, "in_features");
        int outFeatures = SentenceTransformer.positive(c.get("out_features"), cfgFile, "out_features");
        if (inFeatures != in)
            throw CheckpointException.at(cfgFile, "in_features = " + inFeatures + " but the embedding before it has " + in);
        boolean hasBias = bool(c, "bias", true, cfgFile), useResidual = bool(c, "use_residual", false, cfgFile);
        Activation activation = Activation.TANH;   // ST's default when the config names none
        if (c.get("activation_function") != null) {
            Object name = c.get("activation_function");
            activation = Arrays.stream(Activation.values()).filter(a -> a.torchName.equals(name)).findFirst()
                    .orElseThrow(() -> CheckpointException.at(cfgFile, "activation_function " + Json.write(name)
                            + " is not supported (" + String.join(", ", Arrays.stream(Activation.values())
                            .map(a -> a.torchName).toList()) + ")"));
        }
        Path weights = dir.resolve("model.safetensors");
        if (!Files.exists(weights))
            throw CheckpointException.at(weights, "missing (Cortado reads a Dense module's weights from safetensors only)");
        Map<String, Tensor> t = Safetensors.load(weights);
        Tensor w = tensor(t, "linear.weight", weights, outFeatures, inFeatures);
        Tensor b = hasBias ? tensor(t, "linear.bias", weights, outFeatures) : null;
        Tensor r = useResidual && inFeatures != outFeatures ? tensor(t, "residual.weight", weights, outFeatures, inFeatures) : null;
        int expected = 1 + (b == null ? 0 : 1) + (r == null ? 0 : 1);
        if (t.size() != expected)
            throw CheckpointException.at(weights, "holds " + t.keySet() + "; a Dense module with this config has "
                    + expected + " tensor(s)");
        return new Dense(w, b, r, useResidual, activation);
    }

    private static boolean bool(Map<String, Object> c, String key, boolean dflt, Path file) {
        Object v = c.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean b)) throw CheckpointException.at(file, key + " must be true or false, got " + Json.write(v));
        return b;
    }

    private static Tensor tensor(Map<String, Tensor> t, String name, Path file, int... shape) {
        Tensor x = t.get(name);
        if (x == null) throw CheckpointException.at(file, "no tensor " + name);
        if (!Arrays.equals(x.shape(), shape))
            throw CheckpointException.at(file, name + " has shape " + Arrays.toString(x.shape()) + ", expected "
                    + Arrays.toString(shape));
        return x;
    }
}
