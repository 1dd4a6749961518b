/**
 * Text generation. {@link cortado.nn.generate.LogitsProcessor}s mirror transformers' logits processors (logit bias,
 * repetition penalty, temperature, top-k, top-p, min-p) plus OpenAI's frequency and presence penalties;
 * {@link cortado.nn.generate.Sampler} applies them in transformers' order and picks a token (greedy or a seeded draw);
 * {@link cortado.nn.generate.Generator} runs the prefill-then-one-token loop over a KV cache for a batch of prompts.
 */
package cortado.nn.generate;
