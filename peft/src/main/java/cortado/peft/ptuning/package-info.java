/** P-tuning (Liu et al. 2021): virtual tokens through an MLP or bidirectional-LSTM encoder, peft 0.21's P_TUNING. */
package cortado.peft.ptuning;
