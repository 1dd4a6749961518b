package cortado.peft.multitaskprompttuning;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.prompt.BasePromptEncoder;
import cortado.peft.prompt.PromptLearningLm;
import cortado.peft.prompt.PromptLearningTuner;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multitask prompt tuning as a tuner: {@link PromptLearningTuner} with {@link MultitaskPromptEmbedding}, which an
 * adapter read from a file has too (peft's inference mode keeps the task factors). Saved as peft's
 * {@code MultitaskPromptEmbedding._get_adapter_state_dict}: {@code prompt_embeddings} (the shared table itself),
 * {@code prefix_task_cols} and {@code prefix_task_rows}.
 */
public final class MultitaskPromptTuningTuner extends PromptLearningTuner<MultitaskPromptTuningConfig> {
    @Override public String peftType() { return MultitaskPromptTuningConfig.PEFT_TYPE; }

    @Override public Class<MultitaskPromptTuningConfig> configClass() { return MultitaskPromptTuningConfig.class; }

    @Override
    public MultitaskPromptTuningConfig fromJson(Map<String, Object> json, String where) {
        return MultitaskPromptTuningConfig.fromJson(json, where);
    }

    @Override
    protected BasePromptEncoder newEncoder(PromptLearningLm lm, MultitaskPromptTuningConfig c, long seed) {
        return new MultitaskPromptEmbedding(c, lm.base(), seed);
    }

    @Override
    public MultitaskPromptTuningConfig inject(Module root, List<String> targets, String name,
                                              MultitaskPromptTuningConfig c, long seed) {
        PromptLearningLm lm = (PromptLearningLm) root;
        lm.addAdapter(name, c, newEncoder(lm, c, seed));
        return c;
    }

    /** {@code embedding.weight} is {@code prompt_embeddings}; the task factors keep their own names. */
    @Override
    public String savedKey(String fullName, String name) {
        String own = fullName.substring(("prompt_encoder." + name + ".").length());
        return own.equals("embedding.weight") ? KEY : own;
    }

    /** The three tensors themselves (peft saves the table, not a computed prompt). */
    @Override
    public Map<String, Tensor> savedValues(Module root, String name, MultitaskPromptTuningConfig config,
                                           Map<String, Parameter> stateDict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateDict.forEach((k, p) -> out.put(k, p.value()));
        return out;
    }
}
