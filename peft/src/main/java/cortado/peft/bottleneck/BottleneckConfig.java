package cortado.peft.bottleneck;

import cortado.peft.ConfigFields;
import cortado.peft.ConfigJson;
import cortado.peft.PeftConfig;
import cortado.peft.PeftException;
import cortado.peft.TargetModules;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * adapter-hub's {@code BnConfig} (the {@code adapters} library, configuration/adapter_config.py): a bottleneck adapter
 * {@code up(act(down(h))) * scaling} with {@code down} of width {@code hidden / reduction_factor}, after a layer's
 * attention output ({@code mh_adapter}) and/or its feed-forward output ({@code output_adapter}), before the residual
 * and LayerNorm. The presets are adapter-hub's: {@link #houlsby()} (Houlsby et al. 2019, DoubleSeqBnConfig),
 * {@link #pfeiffer()} (Pfeiffer et al. 2020, SeqBnConfig) and {@link #parallel()} (He et al. 2021, ParBnConfig).
 * Field names and defaults are BnConfig's, with Compacter's PHM projections ({@link #compacter()},
 * {@link #compacterPlusPlus()}); its ln_before/ln_after, use_gating, invertible and cross adapters are not here and
 * are refused when a file sets them.
 *
 * @param mhAdapter          an adapter after the multi-head attention output
 * @param outputAdapter      an adapter after the feed-forward output
 * @param reductionFactor    hidden size / bottleneck size ({@code int(hidden // reduction_factor)}, at least 1)
 * @param nonLinearity       the bottleneck's activation ({@link NonLinearity}: relu, swish, gelu, ...)
 * @param originalLnBefore   add the residual (and the base's LayerNorm, post-norm models) before the adapter
 * @param originalLnAfter    add the residual (and the base's LayerNorm) after the adapter
 * @param residualBeforeLn   where the adapter's own residual is taken ({@link ResidualPoint})
 * @param isParallel         the adapter reads the sublayer's input and its output is added beside the sublayer
 * @param scaling            the factor on the up-projection's output
 * @param initWeights        "bert" (both projections N(0, 0.02), biases 0) or "mam_adapter" (down kaiming-uniform,
 *                           up and biases 0)
 * @param initWeightsSeed    BnConfig's init_weights_seed, or null
 * @param leaveOut           layer indices that get no adapter
 * @param dropout            dropout on the adapter's output
 * @param modulesToSave      modules trained whole beside the adapter (a task head), or empty
 * @param phm                PHM projections (Compacter), or null for Linear ones
 */
public record BottleneckConfig(boolean mhAdapter, boolean outputAdapter, double reductionFactor,
                               NonLinearity nonLinearity, boolean originalLnBefore, boolean originalLnAfter,
                               ResidualPoint residualBeforeLn, boolean isParallel, double scaling, String initWeights,
                               Integer initWeightsSeed, List<Integer> leaveOut, double dropout,
                               List<String> modulesToSave, String baseModelNameOrPath, String taskType, Phm phm)
        implements PeftConfig {

    /**
     * BnConfig's {@code phm_layer}: both projections are {@link PhmLayer}s (Compacter) with {@code phm_dim} n,
     * {@code phm_rank}, the shared rule drawn N(0, phm_init_range²); adapter-hub's defaults otherwise
     * (shared_phm_rule, factorized_phm_W, learn_phm, phm_bias true; shared_W_phm, factorized_phm_rule false).
     */
    public record Phm(int dim, int rank, double initRange) {
        public Phm {
            if (dim < 1 || rank < 1) throw new PeftException("BnConfig: phm_dim and phm_rank must be >= 1");
        }

        public static Phm defaults() { return new Phm(4, 1, 1e-4); }
    }

    /** Cortado's peft_type for adapter-hub's bottleneck adapters (no PEFT method: saved in files of its own). */
    public static final String PEFT_TYPE = "BOTTLENECK";

    /** BnConfig's {@code residual_before_ln}: True, False or "post_add". */
    public enum ResidualPoint {
        /** the adapter's residual is the sublayer output, before the residual add and the LayerNorm (True) */
        BEFORE_LN,
        /** the adapter's residual is its input, after them (False) */
        AFTER_LN,
        /** the sum after the residual add, before the LayerNorm ("post_add") */
        POST_ADD;

        Object toJson() { return this == POST_ADD ? "post_add" : this == BEFORE_LN; }
    }

    public BottleneckConfig {
        if (!(reductionFactor > 0)) throw new PeftException("BnConfig: reduction_factor must be > 0, got " + reductionFactor);
        if (!Set.of("bert", "mam_adapter").contains(initWeights))
            throw new PeftException("BnConfig: init_weights \"" + initWeights + "\" is not supported (bert, mam_adapter)");
        if (!(dropout >= 0 && dropout < 1)) throw new PeftException("BnConfig: dropout must be in [0, 1), got " + dropout);
        if (!mhAdapter && !outputAdapter)
            throw new PeftException("BnConfig: neither mh_adapter nor output_adapter is set, so no layer gets an adapter");
        leaveOut = leaveOut == null ? List.of() : List.copyOf(leaveOut);
        modulesToSave = modulesToSave == null ? List.of() : List.copyOf(modulesToSave);
    }

    /** BnConfig's defaults with the required fields given. */
    public static BottleneckConfig of(boolean mh, boolean output, double reductionFactor, NonLinearity act) {
        return new BottleneckConfig(mh, output, reductionFactor, act, false, true, ResidualPoint.BEFORE_LN, false, 1.0,
                "bert", null, List.of(), 0.0, List.of(), null, null, null);
    }

    /** DoubleSeqBnConfig (Houlsby et al. 2019): after attention and after the FFN, reduction 16, swish. */
    public static BottleneckConfig houlsby() { return of(true, true, 16, NonLinearity.SWISH); }

    /** SeqBnConfig (Pfeiffer et al. 2020): after the FFN only, residual added before it, reduction 16, relu. */
    public static BottleneckConfig pfeiffer() {
        return of(false, true, 16, NonLinearity.RELU).withOriginalLnBefore(true);
    }

    /** ParBnConfig (He et al. 2021): beside the FFN, reduction 2, relu, scaled by 4, up-projection zero. */
    public static BottleneckConfig parallel() {
        BottleneckConfig c = of(false, true, 2, NonLinearity.RELU);
        return new BottleneckConfig(c.mhAdapter, c.outputAdapter, c.reductionFactor, c.nonLinearity, false, true,
                ResidualPoint.BEFORE_LN, true, 4.0, "mam_adapter", null, List.of(), 0.0, List.of(), null, null, null);
    }

    /** CompacterConfig (Mahabadi et al. 2021): Houlsby's places with PHM projections, reduction 32, gelu. */
    public static BottleneckConfig compacter() {
        return of(true, true, 32, NonLinearity.GELU).withPhm(Phm.defaults());
    }

    /** CompacterPlusPlusConfig: Pfeiffer's place (FFN output only) with PHM projections, reduction 32, gelu. */
    public static BottleneckConfig compacterPlusPlus() {
        return of(false, true, 32, NonLinearity.GELU).withOriginalLnBefore(true).withPhm(Phm.defaults());
    }

    public BottleneckConfig withPhm(Phm p) {
        return new BottleneckConfig(mhAdapter, outputAdapter, reductionFactor, nonLinearity, originalLnBefore,
                originalLnAfter, residualBeforeLn, isParallel, scaling, initWeights, initWeightsSeed, leaveOut, dropout,
                modulesToSave, baseModelNameOrPath, taskType, p);
    }

    /** A preset by its adapter-hub name (houlsby/double_seq_bn, pfeiffer/seq_bn, par_bn/parallel). */
    public static BottleneckConfig preset(String name) {
        return switch (name) {
            case "houlsby", "double_seq_bn" -> houlsby();
            case "pfeiffer", "seq_bn" -> pfeiffer();
            case "parallel", "par_bn" -> parallel();
            case "compacter" -> compacter();
            case "compacter++", "compacter-plus-plus" -> compacterPlusPlus();
            default -> throw new PeftException("unknown bottleneck preset \"" + name
                    + "\" (houlsby, pfeiffer, parallel, compacter, compacter++)");
        };
    }

    public BottleneckConfig withOriginalLnBefore(boolean on) {
        return new BottleneckConfig(mhAdapter, outputAdapter, reductionFactor, nonLinearity, on, originalLnAfter,
                residualBeforeLn, isParallel, scaling, initWeights, initWeightsSeed, leaveOut, dropout, modulesToSave,
                baseModelNameOrPath, taskType, phm);
    }

    public BottleneckConfig withReductionFactor(double rf) {
        return new BottleneckConfig(mhAdapter, outputAdapter, rf, nonLinearity, originalLnBefore, originalLnAfter,
                residualBeforeLn, isParallel, scaling, initWeights, initWeightsSeed, leaveOut, dropout, modulesToSave,
                baseModelNameOrPath, taskType, phm);
    }

    public BottleneckConfig withModulesToSave(List<String> m) {
        return new BottleneckConfig(mhAdapter, outputAdapter, reductionFactor, nonLinearity, originalLnBefore,
                originalLnAfter, residualBeforeLn, isParallel, scaling, initWeights, initWeightsSeed, leaveOut, dropout,
                m, baseModelNameOrPath, taskType, phm);
    }

    /** The bottleneck width for a hidden size: adapter-hub's {@code int(hidden_size // reduction_factor)}, at least 1. */
    public int bottleneck(int hidden) { return Math.max(1, (int) Math.floor(hidden / reductionFactor)); }

    @Override public String peftType() { return PEFT_TYPE; }

    /** No targets: the places are the layers' attention and feed-forward outputs ({@link BottleneckTuner}). */
    @Override public TargetModules targetModules() { return null; }

    @Override public TargetModules excludeModules() { return null; }

    @Override public BottleneckConfig withTargets(TargetModules targets) { return this; }

    @Override
    public BottleneckConfig withBaseModel(String nameOrPath) {
        return new BottleneckConfig(mhAdapter, outputAdapter, reductionFactor, nonLinearity, originalLnBefore,
                originalLnAfter, residualBeforeLn, isParallel, scaling, initWeights, initWeightsSeed, leaveOut, dropout,
                modulesToSave, nameOrPath, taskType, phm);
    }

    /** PeftConfig's fields and BnConfig's, under BnConfig's names. */
    @Override
    public Map<String, Object> toJson(Map<String, Object> autoMapping) {
        Map<String, Object> j = ConfigJson.base(this, autoMapping);
        j.put("modules_to_save", modulesToSave.isEmpty() ? null : modulesToSave);
        j.put("mh_adapter", mhAdapter);
        j.put("output_adapter", outputAdapter);
        j.put("reduction_factor", ConfigJson.number(reductionFactor));
        j.put("non_linearity", nonLinearity.hfName());
        j.put("original_ln_before", originalLnBefore);
        j.put("original_ln_after", originalLnAfter);
        j.put("residual_before_ln", residualBeforeLn.toJson());
        j.put("is_parallel", isParallel);
        j.put("scaling", scaling);
        j.put("init_weights", initWeights);
        j.put("init_weights_seed", initWeightsSeed);
        j.put("leave_out", leaveOut);
        j.put("dropout", dropout);
        j.put("phm_layer", phm != null);
        if (phm != null) {
            j.put("phm_dim", phm.dim());
            j.put("phm_rank", phm.rank());
            j.put("phm_init_range", phm.initRange());
        }
        return j;
    }

    /** Reads a bottleneck_config.json; {@code where} (the file) prefixes every error. */
    public static BottleneckConfig fromJson(Map<String, Object> j, String where) {
        ConfigFields f = ConfigFields.of(j, where, PEFT_TYPE);
        f.requireUnset("ln_before", false, "a new LayerNorm before the adapter");
        f.requireUnset("ln_after", false, "a new LayerNorm after the adapter");
        f.requireUnset("use_gating", false, "a gating module (UniPELT)");
        f.requireUnset("shared_W_phm", false, "PHM weights shared across layers");
        f.requireUnset("factorized_phm_rule", false, "factorized PHM rules");
        if (j.containsKey("shared_phm_rule") && !Boolean.TRUE.equals(j.get("shared_phm_rule")))
            throw new PeftException(where + ": shared_phm_rule = " + j.get("shared_phm_rule") + " (a rule per layer) is not supported");
        if (j.containsKey("factorized_phm_W") && !Boolean.TRUE.equals(j.get("factorized_phm_W")))
            throw new PeftException(where + ": factorized_phm_W = " + j.get("factorized_phm_W") + " (full PHM weights) is not supported");
        f.requireUnset("learn_phm", true, "a frozen PHM rule");
        f.requireUnset("phm_bias", true, "PHM layers without bias");
        f.requireUnset("phm_c_init", "normal", "a uniform PHM rule init");
        f.requireUnset("inv_adapter", null, "an invertible adapter");
        f.requireUnset("cross_adapter", false, "cross-attention adapters");
        f.requireUnset("adapter_residual_before_ln", false, "the residual before a new adapter LayerNorm");
        f.requireUnset("stochastic_depth", 0.0, "stochastic depth");
        if (j.get("reduction_factor") instanceof Map)
            throw new PeftException(where + ": reduction_factor as a per-layer mapping is not supported (give a number)");
        if (j.get("scaling") instanceof String s)
            throw new PeftException(where + ": scaling \"" + s + "\" (a learned scale) is not supported (give a number)");
        Object r = j.get("residual_before_ln");
        ResidualPoint point = r == null || Boolean.TRUE.equals(r) ? ResidualPoint.BEFORE_LN
                : Boolean.FALSE.equals(r) ? ResidualPoint.AFTER_LN
                : "post_add".equals(r) ? ResidualPoint.POST_ADD : null;
        if (point == null) throw f.bad("residual_before_ln", "true, false or \"post_add\"", r);
        if (!j.containsKey("mh_adapter")) throw new PeftException(where + ": mh_adapter is missing (true or false)");
        if (!j.containsKey("output_adapter")) throw new PeftException(where + ": output_adapter is missing (true or false)");
        if (!j.containsKey("reduction_factor")) throw new PeftException(where + ": reduction_factor is missing");
        if (!j.containsKey("non_linearity")) throw new PeftException(where + ": non_linearity is missing");
        return f.read(() -> new BottleneckConfig(f.bool("mh_adapter", false), f.bool("output_adapter", false),
                f.real("reduction_factor", 16), NonLinearity.of(f.string("non_linearity", null), where),
                f.bool("original_ln_before", false), f.bool("original_ln_after", true), point,
                f.bool("is_parallel", false), f.real("scaling", 1.0), f.string("init_weights", "bert"),
                j.get("init_weights_seed") == null ? null : f.integer("init_weights_seed", 0),
                f.integers("leave_out"), f.real("dropout", 0.0), f.strings("modules_to_save"),
                f.string("base_model_name_or_path", null), f.string("task_type", null),
                f.bool("phm_layer", false) ? new Phm(f.integer("phm_dim", 4), f.integer("phm_rank", 1),
                        f.real("phm_init_range", 1e-4)) : null));
    }
}
