package cortado.peft;

import cortado.nn.Layer;
import cortado.nn.Module;
import cortado.nn.Parameter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The contract every PEFT method's layer implements, PEFT's {@code BaseTunerLayer}: it wraps a base layer (child
 * {@code base_layer}, so the base's parameters keep PEFT's names), holds one or more named adapters, can fold the
 * active ones into the base weight and take them out again, and can be switched off so the base runs alone.
 */
public interface TunerLayer extends Layer {

    /** The wrapped layer. */
    Module baseLayer();

    /** The names of the adapters this layer holds, in the order they were added. */
    Set<String> adapterNames();

    /** The adapters the forward pass applies. */
    List<String> activeAdapters();

    /** Sets the adapters the forward pass applies; each must be one of {@link #adapterNames()}. */
    void setActiveAdapters(List<String> names);

    /** Whether adapters are applied at all ({@code disable_adapters} is the negation). */
    boolean adaptersEnabled();

    /** Turns the adapters on or off; off, the layer computes its base layer alone (unmerging first if merged). */
    void enableAdapters(boolean on);

    /** Folds the active adapters into the base weight (PEFT's {@code merge}); a no-op for those already merged. */
    void merge();

    /** Takes the merged adapters out of the base weight again. */
    void unmerge();

    /** The adapters currently folded into the base weight. */
    List<String> mergedAdapters();

    /**
     * Removes adapter {@code name} and its parameters from this layer (PEFT's {@code BaseTunerLayer.delete_adapter});
     * it must not be merged. If it was active, the active adapters become the remaining ones in alphabetical order's
     * first, or none.
     */
    void deleteAdapter(String name);

    /** The parameters of one adapter, by their names relative to this layer ({@code lora_A.default.weight}). */
    Map<String, Parameter> adapterParameters(String adapter);
}
