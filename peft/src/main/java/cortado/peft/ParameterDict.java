package cortado.peft;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;

/**
 * torch's {@code nn.ParameterDict} as PEFT uses it for adapters that are one tensor (IA3's {@code ia3_l}, LoRA's
 * {@code lora_embedding_A}/{@code lora_embedding_B} and DoRA's {@code lora_magnitude_vector}): one parameter per
 * adapter name, so names read {@code ia3_l.default} exactly as in a PEFT model's state dict.
 */
public final class ParameterDict extends Module {
    public Parameter put(String adapter, Tensor value) { return param(adapter, value); }

    public Parameter at(String adapter) {
        Parameter p = ownParameters().get(adapter);
        if (p == null) throw new PeftException("no adapter '" + adapter + "' (have " + ownParameters().keySet() + ")");
        return p;
    }

    public boolean has(String adapter) { return ownParameters().containsKey(adapter); }

    /** Drops adapter {@code adapter}'s tensor (PEFT's {@code delete_adapter}). */
    public void remove(String adapter) { removeParam(adapter); }
}
