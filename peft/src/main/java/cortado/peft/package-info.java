/**
 * Parameter-efficient fine-tuning, file-compatible with Hugging Face PEFT. One contract for every method, as PEFT's
 * tuners: a config record per method implementing {@link cortado.peft.PeftConfig}, a {@link cortado.peft.Tuner}
 * (PEFT's {@code BaseTuner}: defaults per architecture, how a target is wrapped, what trains, the saved keys) and a
 * layer implementing {@link cortado.peft.TunerLayer} (PEFT's {@code BaseTunerLayer}), one package per method:
 * {@link cortado.peft.lora}, {@link cortado.peft.ia3}, {@link cortado.peft.bitfit}. Around them, method-neutral:
 * target matching as PEFT's {@code check_target_module_exists} ({@link cortado.peft.TargetMatcher}), the model that
 * injects adapters and freezes the base ({@link cortado.peft.PeftModel}, over a causal LM or a BERT encoder), adapter
 * directories dispatched on {@code peft_type} ({@link cortado.peft.AdapterFiles}, {@link cortado.peft.Tuners}), and
 * the configs a command line builds from a method name ({@link cortado.peft.PeftMethods}).
 */
package cortado.peft;
