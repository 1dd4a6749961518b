/**
 * BitFit: fine-tuning a model's bias terms only (plus any module trained whole, such as a classifier head).
 *
 * <p>BitFit is not a Hugging Face PEFT method, so it is not saved as a PEFT adapter (peft's
 * {@code PeftModel.from_pretrained} would reject the unknown {@code peft_type}). A BitFit directory holds:
 * <ul>
 *   <li>{@code bitfit_model.safetensors}: float32 tensors of every trained parameter under the base model's own
 *       Hugging Face name ({@code transformer.h.0.attn.c_attn.bias}, {@code encoder.layer.0.output.LayerNorm.bias},
 *       {@code classifier.weight}), metadata {@code format: pt};</li>
 *   <li>{@code bitfit_config.json}: {@code peft_type: "BITFIT"}, {@code format_version: 1}, {@code target_modules}
 *       (null: every bias), {@code exclude_modules}, {@code modules_to_save}, {@code base_model_name_or_path},
 *       {@code task_type} and, when the task type is null, peft-style {@code auto_mapping} (the transformers class of
 *       the base).</li>
 * </ul>
 * In Python the trained model is the base with these tensors put back in place:
 * <pre>{@code
 * from safetensors.torch import load_file
 * model = AutoModelForCausalLM.from_pretrained(base_dir)
 * result = model.load_state_dict(load_file(f"{bitfit_dir}/bitfit_model.safetensors"), strict=False)
 * assert not result.unexpected_keys   # missing_keys lists the frozen weights, which keep the base's values
 * }</pre>
 * Cortado loads the directory with {@code AdapterFiles.load} like any adapter. tools/interop/check_cortado_adapters.py
 * checks this round trip against transformers.
 */
package cortado.peft.bitfit;
