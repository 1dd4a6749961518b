package cortado.peft;

import cortado.nn.Module;

/**
 * torch's {@code nn.ModuleDict} as PEFT uses it: one child per adapter name, so parameter names read
 * {@code lora_A.default.weight} exactly as in a PEFT model's state dict.
 */
public final class AdapterDict extends Module {
    public <M extends Module> M put(String adapter, M module) { return child(adapter, module); }

    public <M extends Module> M at(String adapter) { return childAt(adapter); }

    /** Drops the adapter's module ({@code del module_dict[adapter]}). */
    public void remove(String adapter) { removeChild(adapter); }

    public boolean has(String adapter) { return children().containsKey(adapter); }
}
