/**
 * (IA)³, PEFT's {@code IA3}: learned vectors that rescale the output of attention projections and the input of
 * feed-forward projections ({@link cortado.peft.ia3.IA3Config}, {@link cortado.peft.ia3.IA3Layer},
 * {@link cortado.peft.ia3.IA3Tuner}); saved as PEFT saves it ({@code base_model.model.<module>.ia3_l}).
 */
package cortado.peft.ia3;
