package cortado.peft;

/** What every method's config has: PEFT's {@code PeftConfig} ({@code peft_type}, the base it was made for). */
public interface PeftConfig {
    /** adapter_config.json's {@code peft_type}, e.g. {@code LORA}. */
    String peftType();

    /** {@code base_model_name_or_path}, or null. */
    String baseModelNameOrPath();
}
