package cortado.peft.adalora;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code AdaLoraModel} as a tuner: its default targets ({@code TRANSFORMERS_MODELS_TO_ADALORA_TARGET_MODULES_MAPPING},
 * which has no mistral entry), the SVD layer on Linear and Conv1D bases at init_r (or, for a config carrying a
 * rank_pattern, at its kept rank, as {@code _remap_adapter_state_dict_for_load} resizes peft's layers before loading),
 * and the save of {@code _get_adapter_state_dict}: ranknum left out, and each target's A, E rows and B columns cut to
 * the triplets its rank_pattern keeps ({@code resize_state_dict_by_rank_pattern}). The budget allocation during
 * training is {@link AdaLoraAllocation}; a PEFT adapter of this type merges as LoRA does.
 */
public final class AdaLoraTuner implements Tuner<AdaLoraConfig> {
    static final Map<String, List<String>> DEFAULT_TARGETS = Map.of(
            "gpt2", List.of("c_attn"),
            "llama", List.of("q_proj", "v_proj"),
            "qwen2", List.of("q_proj", "v_proj"),
            "qwen3", List.of("q_proj", "v_proj"),
            "bert", List.of("query", "value"));

    @Override public String peftType() { return AdaLoraConfig.PEFT_TYPE; }

    @Override public Class<AdaLoraConfig> configClass() { return AdaLoraConfig.class; }

    @Override public AdaLoraConfig fromJson(Map<String, Object> json, String where) { return AdaLoraConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) {
        return m instanceof SvdLayer || (m instanceof Linear || m instanceof Conv1D) && !(m instanceof TunerLayer);
    }

    @Override public String wrapsWhat() { return "Linear and Conv1D layers"; }

    @Override
    public AdaLoraConfig inject(Module root, List<String> targets, String name, AdaLoraConfig config, long seed) {
        AdaLoraConfig c = config;
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);   // peft corrects it to the layer kind
        for (String path : targets)
            Tuner.wrapped(root, path, SvdLayer.class, SvdLayer::new)
                    .addAdapter(name, c.rankFor(path), c.initR(), c, Tuner.targetSeed(seed, path));
        return c;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /**
     * The adapter's tensors with each target cut to the triplets its rank_pattern keeps, where the layer is still
     * wider (peft: {@code state_dict[key][rank_idx] if rank != state_dict[key].shape[0]}); B is cut by columns.
     */
    @Override
    public Map<String, Tensor> savedValues(Module root, String name, AdaLoraConfig config,
                                           Map<String, Parameter> stateDict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateDict.forEach((key, p) -> {
            Tensor v = p.value();
            String which = key.substring(key.lastIndexOf('.') + 1);
            List<Boolean> kept = config.rankPattern() == null ? null : config.rankPattern()
                    .get(key.substring(KEY_PREFIX.length(), key.lastIndexOf('.')) + ".lora_E");
            if (kept != null && (which.equals("lora_A") || which.equals("lora_E") || which.equals("lora_B"))) {
                int dim = which.equals("lora_B") ? 1 : 0;
                List<Integer> rows = new ArrayList<>();
                for (int i = 0; i < kept.size(); i++) if (kept.get(i)) rows.add(i);
                if (rows.size() != v.size(dim)) v = rows.isEmpty() ? empty(v, dim) : select(v, dim, rows);
            }
            out.put(key, v);
        });
        return out;
    }

    /** {@code v} with no row left along {@code dim} (a target whose every triplet was pruned; peft saves it so). */
    private static Tensor empty(Tensor v, int dim) {
        int[] shape = v.shape().clone();
        shape[dim] = 0;
        return v.backend().zeros(shape);
    }

    /** The slices {@code rows} of {@code v} along {@code dim}, concatenated. */
    private static Tensor select(Tensor v, int dim, List<Integer> rows) {
        try (NoGrad ng = NoGrad.enter()) {
            Tensor[] parts = new Tensor[rows.size()];
            for (int i = 0; i < parts.length; i++) parts[i] = F.slice(v, dim, rows.get(i), rows.get(i) + 1);
            return F.contiguous(F.concat(dim, parts));
        }
    }
}
