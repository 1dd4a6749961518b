/**
 * LLaMA-Adapter, peft's {@code ADAPTION_PROMPT} as of peft 0.21 (Zhang et al. 2023, "LLaMA-Adapter: Efficient
 * Fine-tuning of Language Models with Zero-init Attention"): the attention of the top layers also attends over learned
 * prompt tokens, scaled by a zero-initialized gate; saved as peft saves it
 * ({@code base_model.model.<attention>.adaption_prompt}, {@code .adaption_gate}).
 */
package cortado.peft.adaptionprompt;
