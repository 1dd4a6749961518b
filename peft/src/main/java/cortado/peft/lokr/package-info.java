/**
 * LoKr, PEFT's {@code LOKR} (a Kronecker product of two factors, each full or low-rank, as LyCORIS and peft implement
 * it): the config, the dimension split, the Kronecker product, layer and tuner; saved as peft saves it
 * ({@code base_model.model.<module>.lokr_w1}, ...).
 */
package cortado.peft.lokr;
