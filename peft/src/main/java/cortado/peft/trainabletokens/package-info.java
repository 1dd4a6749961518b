/**
 * TRAINABLE_TOKENS, PEFT's {@code TrainableTokensModel} as of peft 0.21: only the listed rows of the token embedding
 * train; saved as peft saves it ({@code base_model.model.<embedding>.trainable_tokens_delta}, the rows' new values).
 */
package cortado.peft.trainabletokens;
