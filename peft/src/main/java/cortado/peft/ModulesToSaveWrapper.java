package cortado.peft;

import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Layer;
import cortado.nn.LayerNorm;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.RMSNorm;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * PEFT's {@code ModulesToSaveWrapper} for {@code modules_to_save}: the frozen {@code original_module} and a trainable
 * copy per adapter under {@code modules_to_save.<adapter>}; the forward pass uses the active adapter's copy (the
 * original when adapters are disabled). Saved under the module's own name ({@code lm_head.weight}). Norms too: LongLoRA
 * (Chen et al. 2023, §3.3) trains the normalization layers beside LoRA to close its gap to full fine-tuning.
 */
public final class ModulesToSaveWrapper extends Module implements Layer {
    private String active;
    private boolean enabled = true;

    public ModulesToSaveWrapper(Module original, String adapter) {
        if (!(original instanceof Linear) && !(original instanceof Conv1D) && !(original instanceof LayerNorm)
                && !(original instanceof RMSNorm))
            throw new PeftException("modules_to_save supports Linear, Conv1D, LayerNorm and RMSNorm modules, not "
                    + original.getClass().getSimpleName());
        child("original_module", original);
        child("modules_to_save", new AdapterDict());
        addAdapter(adapter);
    }

    public void addAdapter(String adapter) {
        Module orig = childAt("original_module");
        Module copy = switch (orig) {
            case Linear l -> new Linear(l.inFeatures(), l.outFeatures(), l.bias() != null);
            case Conv1D c -> new Conv1D(c.inFeatures(), c.outFeatures());
            case LayerNorm n -> new LayerNorm(n.weight().value().size(0), n.eps());
            case RMSNorm n -> new RMSNorm(n.weight().value().size(0), n.eps());
            default -> throw new IllegalStateException();
        };
        try (NoGrad ng = NoGrad.enter()) {
            Map<String, Parameter> src = orig.namedParameters();
            copy.namedParameters().forEach((n, p) -> {
                Tensor v = src.get(n).value();
                p.set(v.backend().copy(v));
            });
        }
        this.<AdapterDict>childAt("modules_to_save").put(adapter, copy);
        active = adapter;
    }

    /** The copy the forward pass uses; the original when the adapter trains no copy of this module (as PEFT). */
    void setActive(String adapter) { active = has(adapter) ? adapter : null; }

    /** Whether adapter {@code adapter} has a copy here. */
    public boolean has(String adapter) { return this.<AdapterDict>childAt("modules_to_save").has(adapter); }

    /** Drops adapter {@code name}'s copy; the forward pass falls back to the original if it was the active one. */
    void deleteAdapter(String name) {
        AdapterDict copies = childAt("modules_to_save");
        if (!copies.has(name)) return;
        copies.remove(name);
        if (name.equals(active)) active = null;
    }

    void enable(boolean on) { enabled = on; }

    public Module copy(String adapter) { return this.<AdapterDict>childAt("modules_to_save").at(adapter); }

    public Module original() { return childAt("original_module"); }

    @Override
    public Tensor forward(Tensor x) {
        Module m = enabled && active != null && has(active) ? copy(active) : original();
        return ((Layer) m).forward(x);
    }
}
