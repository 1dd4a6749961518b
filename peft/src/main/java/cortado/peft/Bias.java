package cortado.peft;

/** PEFT's {@code bias}: which biases train (and are saved) besides the adapters. */
public enum Bias {
    /** No bias trains. */
    NONE("none"),
    /** Every bias of the model trains. */
    ALL("all"),
    /** Only the biases of the layers an adapter wraps train. */
    LORA_ONLY("lora_only");

    private final String peftName;

    Bias(String peftName) { this.peftName = peftName; }

    /** The value as adapter_config.json spells it. */
    public String peftName() { return peftName; }

    public static Bias fromPeftName(String s) {
        for (Bias b : values()) if (b.peftName.equals(s)) return b;
        throw new PeftException("adapter_config.json: bias must be one of none, all, lora_only, got \"" + s + "\"");
    }
}
