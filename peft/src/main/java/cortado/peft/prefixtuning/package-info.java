/** Prefix tuning (Li and Liang 2021): trained past keys and values in every layer, peft 0.21's PREFIX_TUNING. */
package cortado.peft.prefixtuning;
