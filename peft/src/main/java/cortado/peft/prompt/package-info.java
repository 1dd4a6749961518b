/**
 * What peft's prompt-learning methods share: {@link cortado.peft.prompt.PromptFields} (PromptLearningConfig's fields),
 * {@link cortado.peft.prompt.BasePromptEncoder}, the model they wrap ({@link cortado.peft.prompt.PromptLearningLm}:
 * virtual tokens in front of the input, or a prefix of keys and values in every layer) and
 * {@link cortado.peft.prompt.PromptLearningTuner}. The methods: {@code prompttuning}, {@code multitaskprompttuning},
 * {@code ptuning}, {@code prefixtuning}.
 */
package cortado.peft.prompt;
