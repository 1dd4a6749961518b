package cortado.nn.models;

import cortado.autograd.F;
import cortado.tensor.Tensor;
import java.util.Arrays;

/** Checks and flattens a model's {@code inputs_embeds}: {@code [B*T, C]} or {@code [B, T, C]} to rows {@code [B*T, C]}. */
public final class InputsEmbeds {
    private InputsEmbeds() {}

    public static Tensor rows(Tensor embeds, int batch, int seq, int width) {
        if (batch <= 0 || seq <= 0)
            throw new IllegalArgumentException("batch and sequence length must be positive, got " + batch + " x " + seq);
        int[] s = embeds.shape();
        boolean flat = s.length == 2 && s[0] == batch * seq && s[1] == width;
        boolean batched = s.length == 3 && s[0] == batch && s[1] == seq && s[2] == width;
        if (!flat && !batched)
            throw new IllegalArgumentException("inputs_embeds of shape " + Arrays.toString(s) + ", expected ["
                    + batch + ", " + seq + ", " + width + "] or [" + batch * seq + ", " + width + "]");
        return flat ? embeds : F.reshape(embeds, batch * seq, width);
    }
}
