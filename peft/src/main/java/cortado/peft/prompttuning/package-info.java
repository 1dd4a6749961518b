/** Prompt tuning (Lester et al. 2021): trained input embeddings in front of the input, peft 0.21's PROMPT_TUNING. */
package cortado.peft.prompttuning;
