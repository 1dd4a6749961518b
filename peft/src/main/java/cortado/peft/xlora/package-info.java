/**
 * X-LoRA (Buehler and Buehler 2024), peft's {@code XLORA}: frozen LoRA experts weighted per token and layer by a trained
 * classifier that reads the hidden state of a first, scaling pass.
 */
package cortado.peft.xlora;
