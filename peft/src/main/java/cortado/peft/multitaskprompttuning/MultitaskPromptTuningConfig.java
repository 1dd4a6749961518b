package cortado.peft.multitaskprompttuning;

import cortado.peft.ConfigFields;
import cortado.peft.PeftException;
import cortado.peft.prompt.PromptFields;
import cortado.peft.prompt.PromptLearningConfig;
import java.util.List;
import java.util.Map;

/**
 * peft 0.21's {@code MultitaskPromptTuningConfig} (a {@code PromptTuningConfig} with its own init values): a shared
 * prompt table {@code [P, token_dim]} times, element by element, a per-task rank-{@code num_ranks} product
 * {@code prefix_task_cols[task] @ prefix_task_rows[task]}; each row of a batch names its task.
 *
 * @param fields              the prompt-learning fields
 * @param init                {@code RANDOM}, {@code TEXT}, or one of the inits from a source checkpoint
 *                            ({@code AVERAGE_SOURCE_TASKS}, {@code EXACT_SOURCE_TASK}, {@code ONLY_SOURCE_SHARED})
 * @param initText            the text of a TEXT init, or null
 * @param tokenizerNameOrPath the tokenizer that encodes it (a directory), or null
 * @param initStateDictPath   the source adapter's weights ({@code .safetensors}) for the source inits, or null
 * @param initTask            the source task EXACT_SOURCE_TASK copies
 * @param numRanks            the rank of each task's product
 * @param numTasks            the tasks (task ids 0..num_tasks-1)
 */
public record MultitaskPromptTuningConfig(PromptFields fields, String init, String initText, String tokenizerNameOrPath,
                                          String initStateDictPath, int initTask, int numRanks, int numTasks)
        implements PromptLearningConfig {

    public static final String PEFT_TYPE = "MULTITASK_PROMPT_TUNING";
    /** peft's {@code MultitaskPromptTuningInit} values. */
    public static final List<String> INITS = List.of("TEXT", "RANDOM", "AVERAGE_SOURCE_TASKS", "EXACT_SOURCE_TASK",
            "ONLY_SOURCE_SHARED");
    /** The inits that read a source checkpoint. */
    static final List<String> SOURCE_INITS = List.of("AVERAGE_SOURCE_TASKS", "EXACT_SOURCE_TASK", "ONLY_SOURCE_SHARED");

    public MultitaskPromptTuningConfig {
        if (!INITS.contains(init))
            throw new PeftException("prompt_tuning_init must be one of " + INITS + ", got " + init);
        if (init.equals("TEXT") && (tokenizerNameOrPath == null || tokenizerNameOrPath.isEmpty()))
            throw new PeftException("When prompt_tuning_init='TEXT', tokenizer_name_or_path can't be " + tokenizerNameOrPath + ".");
        if (init.equals("TEXT") && initText == null)
            throw new PeftException("When prompt_tuning_init='TEXT', prompt_tuning_init_text can't be None.");
        if (numTasks <= 0) throw new PeftException("num_tasks must be a positive integer, got " + numTasks);
        if (numRanks <= 0) throw new PeftException("num_ranks must be a positive integer, got " + numRanks);
    }

    /** P random virtual tokens shared by {@code numTasks} tasks, each scaled by a rank-{@code numRanks} product. */
    public static MultitaskPromptTuningConfig of(int numVirtualTokens, int numTasks, int numRanks) {
        return new MultitaskPromptTuningConfig(PromptFields.of(numVirtualTokens), "RANDOM", null, null, null, 0,
                numRanks, numTasks);
    }

    @Override public String peftType() { return PEFT_TYPE; }

    @Override public boolean prefix() { return false; }

    @Override
    public MultitaskPromptTuningConfig withFields(PromptFields f) {
        return new MultitaskPromptTuningConfig(f, init, initText, tokenizerNameOrPath, initStateDictPath, initTask,
                numRanks, numTasks);
    }

    /** The same config initialized another way ({@code text}, {@code tokenizer}, {@code stateDict} as the init needs). */
    public MultitaskPromptTuningConfig withInit(String how, String text, String tokenizer, String stateDict, int task) {
        return new MultitaskPromptTuningConfig(fields, how, text, tokenizer, stateDict, task, numRanks, numTasks);
    }

    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = promptJson(autoMapping);
        j.put("num_ranks", (long) numRanks);
        j.put("num_tasks", (long) numTasks);
        j.put("prompt_tuning_init", init);
        j.put("prompt_tuning_init_state_dict_path", initStateDictPath);
        j.put("prompt_tuning_init_task", (long) initTask);
        j.put("prompt_tuning_init_text", initText);
        j.put("tokenizer_kwargs", null);
        j.put("tokenizer_name_or_path", tokenizerNameOrPath);
        return j;
    }

    /** Reads a parsed adapter_config.json whose peft_type is MULTITASK_PROMPT_TUNING; errors name {@code where}. */
    public static MultitaskPromptTuningConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        PromptFields common = PromptFields.fromJson(f);
        return f.read(() -> new MultitaskPromptTuningConfig(common, f.string("prompt_tuning_init", "RANDOM"),
                f.string("prompt_tuning_init_text", null), f.string("tokenizer_name_or_path", null),
                f.string("prompt_tuning_init_state_dict_path", null), f.integer("prompt_tuning_init_task", 0),
                f.integer("num_ranks", 1), f.integer("num_tasks", 1)));
    }
}
