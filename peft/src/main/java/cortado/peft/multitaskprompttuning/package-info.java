/**
 * Multitask prompt tuning (Wang et al. 2023, "Multitask Prompt Tuning Enables Parameter-Efficient Transfer
 * Learning"): one shared prompt scaled per task by a rank-r product, peft 0.21's MULTITASK_PROMPT_TUNING.
 */
package cortado.peft.multitaskprompttuning;
