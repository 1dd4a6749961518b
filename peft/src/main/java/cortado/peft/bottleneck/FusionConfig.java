package cortado.peft.bottleneck;

import cortado.peft.PeftException;

/**
 * adapter-hub's {@code AdapterFusionConfig} (Pfeiffer et al. 2021, "AdapterFusion: Non-Destructive Task Composition
 * for Transfer Learning"): per token, attention over the outputs z_n of frozen task adapters,
 * {@code softmax(query(h) · key(z_n))} weighting {@code value(z_n)}, then the residual. {@link #dynamic()} is
 * adapter-hub's default ("dynamic": query, key and value, value initialized to the identity), {@link #staticFusion()}
 * its "static" (no value). adapter-hub's temperature annealing is not here; its regularization
 * ({@code 0.01·||I - V||²} added to the loss in training) is {@link AdapterFusion#regularization()}, for the caller to
 * add.
 *
 * @param query            a query projection of h (else h itself)
 * @param key              a key projection of each z_n (else z_n)
 * @param value            a value projection (no bias)
 * @param queryBeforeLn    the query is the sublayer output before the residual and LayerNorm (else after)
 * @param residualBefore   the residual is added to each z_n before the attention (else to the result)
 * @param valueBeforeSoftmax the value projects each z_n (else the weighted sum)
 * @param valueInitialized the value starts at the identity (adapter-hub: 1 on the diagonal, 1e-6 elsewhere)
 */
public record FusionConfig(boolean query, boolean key, boolean value, boolean queryBeforeLn, boolean residualBefore,
                           boolean valueBeforeSoftmax, boolean valueInitialized) {

    public FusionConfig {
        if (!query && !key && !value)
            throw new PeftException("AdapterFusionConfig without query, key and value (a learned dense score) is not supported");
    }

    /** "dynamic", adapter-hub's default. */
    public static FusionConfig dynamic() { return new FusionConfig(true, true, true, false, false, true, true); }

    /** "static": query and key, no value. */
    public static FusionConfig staticFusion() { return new FusionConfig(true, true, false, false, false, true, false); }
}
