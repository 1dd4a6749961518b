package cortado.cli;

import cortado.peft.lora.LoraConfig;
import java.util.List;

/**
 * What {@code cortado finetune --method} accepts: for each method, how the base is held and which adapter config
 * trains on it. A new method is one more line in {@link #ALL} (its flags declared beside {@link LoraOptions}).
 */
final class FinetuneMethods {
    /** Makes the adapter config from the parsed flags; {@code modelDir} is the base's directory. */
    @FunctionalInterface
    interface AdapterConfig { LoraConfig make(Args a, String modelDir) throws UsageException; }

    /**
     * @param quantizeBase the frozen base's linear layers are quantized to NF4 with double quantization first (QLoRA)
     * @param adapter      the adapter config, or null when every parameter trains (full fine-tuning)
     */
    record Method(String name, String help, boolean quantizeBase, AdapterConfig adapter) {
        boolean full() { return adapter == null; }
    }

    static final List<Method> ALL = List.of(
            new Method("full", "every parameter trains; writes a whole model directory", false, null),
            new Method("lora", "LoRA adapters on the frozen base (fp32, or as a quantized directory holds it)", false,
                    LoraOptions::config),
            new Method("qlora", "LoRA on the frozen base with its linear layers quantized to NF4, blocksize 64, double"
                    + " quantization (Dettmers et al. 2023), computed block by block", true, LoraOptions::config));

    private FinetuneMethods() {}

    static String names() { return String.join("|", ALL.stream().map(Method::name).toList()); }

    static Method named(String name) throws UsageException {
        for (Method m : ALL) if (m.name().equals(name)) return m;
        throw new UsageException("--method must be one of " + names() + ", got '" + name + "'");
    }

    /** One line per method for --help. */
    static String help() {
        StringBuilder sb = new StringBuilder();
        for (Method m : ALL) sb.append("  ").append(m.name()).append(": ").append(m.help()).append('\n');
        return sb.toString();
    }
}
