/**
 * LoHa, PEFT's {@code LOHA} (FedPara's low-rank Hadamard product, as LyCORIS and peft implement it): the config,
 * layer and tuner; saved as peft saves it ({@code base_model.model.<module>.hada_w1_a}, ...).
 */
package cortado.peft.loha;
