/**
 * BOFT, PEFT's {@code BOFT} as of peft 0.21: butterfly products of permuted block-diagonal Cayley rotations of each
 * target's input and a per-output scale; saved as peft saves it ({@code base_model.model.<module>.boft_R},
 * {@code .boft_s}).
 */
package cortado.peft.boft;
