/**
 * AdaLoRA, PEFT's {@code ADALORA} as of peft 0.21 (Zhang et al. 2023): LoRA in SVD form with a per-triplet importance
 * score and a cubic rank budget ({@link cortado.peft.adalora.RankAllocator}, {@link cortado.peft.adalora.BudgetSchedule}),
 * the orthogonal regularization on the loss, and the allocated {@code rank_pattern} saved with the adapter as peft
 * saves it ({@code base_model.model.<module>.lora_A / lora_B / lora_E}, cut to the kept triplets).
 */
package cortado.peft.adalora;
