/**
 * OFT, PEFT's {@code OFT} as of peft 0.21: block-diagonal Cayley-Neumann rotations of each target's input (with COFT's
 * projection and block sharing); saved as peft saves it ({@code base_model.model.<module>.oft_R.weight}).
 */
package cortado.peft.oft;
