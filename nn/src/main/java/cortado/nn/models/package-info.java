/**
 * Decoder-only language models with Hugging Face's parameter names and config.json fields: GPT-2
 * ({@code models.gpt2}) and Llama ({@code models.llama}) behind {@link cortado.nn.models.CausalLm}. Build one from a
 * config.json with {@link cortado.nn.models.Models}, or by name with {@link cortado.nn.models.Presets};
 * incremental decoding goes through a {@link cortado.nn.models.KvCache}.
 */
package cortado.nn.models;
