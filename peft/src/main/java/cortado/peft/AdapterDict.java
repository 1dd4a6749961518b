package cortado.peft;

import cortado.nn.Module;

/**
 * torch's {@code nn.ModuleDict} as PEFT uses it: one child per adapter name, so parameter names read
 * {@code lora_A.default.weight} exactly as in a PEFT model's state dict.
 */
final class AdapterDict extends Module {
    <M extends Module> M put(String adapter, M module) { return child(adapter, module); }

    <M extends Module> M at(String adapter) { return childAt(adapter); }

    boolean has(String adapter) { return children().containsKey(adapter); }
}
