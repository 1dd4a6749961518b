package cortado.peft.lora;

/**
 * What an initialization that factors the base weight produces (PiSSA, OLoRA, LoftQ), as host arrays in the
 * {@code [out, in]} layout: A {@code [r, in]}, B {@code [out, r]} and the weight the base layer keeps instead of W.
 */
record LowRankStart(float[] a, float[] b, float[] base) {}
