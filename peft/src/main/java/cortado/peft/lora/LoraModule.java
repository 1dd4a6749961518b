package cortado.peft.lora;

import cortado.nn.Embedding;
import cortado.nn.Module;
import cortado.peft.TunerLayer;

/** A layer holding LoRA adapters: PEFT's {@code lora.Linear} ({@link LoraLayer}) or {@code lora.Embedding} ({@link LoraEmbedding}). */
public sealed interface LoraModule extends TunerLayer permits LoraLayer, LoraEmbedding {

    /** Adds adapter {@code name} (PEFT's {@code update_layer}) and makes it active. */
    void addAdapter(String name, LoraSpec spec);

    /** The scaling of one adapter. */
    double scaling(String adapter);

    /** The rank of one adapter. */
    int rank(String adapter);

    /** Makes this layer, X-LoRA layer number {@code layer}, weight its experts per row by {@code s}; null: off. */
    void expertScalings(ExpertScalings s, int layer);

    /** PEFT's {@code _create_new_module} for LoRA: an Embedding gets {@code lora.Embedding}, a linear layer {@code lora.Linear}. */
    static LoraModule wrap(Module base) {
        return base instanceof Embedding e ? new LoraEmbedding(e) : new LoraLayer(base);
    }
}
