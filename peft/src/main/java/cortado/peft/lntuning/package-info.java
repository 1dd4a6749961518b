/**
 * LN tuning, PEFT's {@code LN_TUNING}: trained copies of the normalization layers used in place of the frozen ones;
 * saved as peft saves it ({@code base_model.model.<module>.ln_tuning_layers.weight}).
 */
package cortado.peft.lntuning;
