/**
 * Parameter-efficient fine-tuning, file-compatible with Hugging Face PEFT: a config record per method
 * ({@link cortado.peft.LoraConfig}), one layer contract every method's layer implements ({@link cortado.peft.TunerLayer},
 * PEFT's {@code BaseTunerLayer}), target matching as PEFT's {@code check_target_module_exists}
 * ({@link cortado.peft.TargetMatcher}), the model that injects adapters and freezes the base
 * ({@link cortado.peft.PeftModel}), and adapter directories in PEFT's format ({@link cortado.peft.AdapterFiles}).
 */
package cortado.peft;
