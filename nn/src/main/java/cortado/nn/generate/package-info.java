/**
 * Text generation: {@link cortado.nn.generate.Sampler} turns a row of logits into a token (greedy, temperature,
 * top-k, top-p, seeded) and {@link cortado.nn.generate.Generator} runs the prefill-then-one-token loop over a KV cache.
 */
package cortado.nn.generate;
