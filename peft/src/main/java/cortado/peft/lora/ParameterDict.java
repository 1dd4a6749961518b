package cortado.peft.lora;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.tensor.Tensor;

/**
 * torch's {@code nn.ParameterDict} as PEFT's LoRA uses it: one parameter per adapter name, so the names read
 * {@code lora_embedding_A.default} and {@code lora_magnitude_vector.default} as in a PEFT model (and, with the
 * adapter name dropped, as in adapter_model.safetensors).
 */
public final class ParameterDict extends Module {
    public Parameter put(String adapter, Tensor value) { return param(adapter, value); }

    public Parameter at(String adapter) {
        Parameter p = ownParameters().get(adapter);
        if (p == null) throw new IllegalArgumentException("no parameter for adapter '" + adapter + "'");
        return p;
    }

    /** Drops the adapter's parameter ({@code del parameter_dict[adapter]}). */
    public void remove(String adapter) { removeParam(adapter); }

    public boolean has(String adapter) { return ownParameters().containsKey(adapter); }
}
