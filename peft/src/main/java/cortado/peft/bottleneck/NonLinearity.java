package cortado.peft.bottleneck;

import cortado.autograd.F;
import cortado.peft.PeftException;
import cortado.tensor.Tensor;
import java.util.Arrays;

/**
 * The bottleneck's activation, adapter-hub's {@code Activation_Function_Class} over transformers' {@code ACT2FN}
 * names: relu, swish / silu (x·σ(x), Houlsby's), gelu (the exact erf form), gelu_new (the tanh form), sigmoid.
 */
public enum NonLinearity {
    RELU("relu"), SWISH("swish"), SILU("silu"), GELU("gelu"), GELU_NEW("gelu_new"), SIGMOID("sigmoid");

    private final String hfName;

    NonLinearity(String hfName) { this.hfName = hfName; }

    public String hfName() { return hfName; }

    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> F.relu(x);
            case SWISH, SILU -> F.silu(x);
            case GELU -> F.geluErf(x);
            case GELU_NEW -> F.gelu(x);
            case SIGMOID -> F.sigmoid(x);
        };
    }

    /** By transformers' name (case-insensitive, as adapter-hub lowercases it); {@code where} names the file. */
    public static NonLinearity of(String name, String where) {
        if (name != null)
            for (NonLinearity n : values()) if (n.hfName.equalsIgnoreCase(name)) return n;
        throw new PeftException((where == null ? "" : where + ": ") + "non_linearity \"" + name
                + "\" is not supported (" + String.join(", ", Arrays.stream(values()).map(v -> v.hfName).toList()) + ")");
    }
}
