package cortado.peft.vera;

import cortado.nn.Conv1D;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code VeraModel}: LoRA's default targets (with peft's phi exception, a family Cortado lacks), one projection
 * per adapter sized to the largest target ({@code _find_dim}) and drawn from {@code projection_prng_key}
 * ({@code _init_vera_A_vera_B}), saved as {@code base_model.vera_A} / {@code base_model.vera_B} when save_projection is
 * on ({@code _get_adapter_state_dict}); the layer on Linear and Conv1D bases.
 */
public final class VeraTuner implements Tuner<VeraConfig> {
    @Override public String peftType() { return VeraConfig.PEFT_TYPE; }

    @Override public Class<VeraConfig> configClass() { return VeraConfig.class; }

    @Override public VeraConfig fromJson(Map<String, Object> json, String where) { return VeraConfig.fromJson(json, where); }

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) {
        return m instanceof VeraLayer || (m instanceof Linear || m instanceof Conv1D) && !(m instanceof TunerLayer);
    }

    @Override public String wrapsWhat() { return "Linear and Conv1D layers"; }

    @Override
    public VeraConfig inject(Module root, List<String> targets, String name, VeraConfig config, long seed) {
        VeraConfig c = config;
        boolean conv = targets.stream().anyMatch(p -> unwrapped(root.get(p)) instanceof Conv1D);
        if (conv != c.fanInFanOut()) c = c.withFanInFanOut(conv);   // peft corrects it to the layer kind
        int inMax = 0, outMax = 0;
        cortado.tensor.Backend be = null;
        for (String path : targets) {
            Module m = unwrapped(root.get(path));
            int[] io = m instanceof Conv1D cv ? new int[] {cv.inFeatures(), cv.outFeatures()}
                    : new int[] {((Linear) m).inFeatures(), ((Linear) m).outFeatures()};
            inMax = Math.max(inMax, io[0]);
            outMax = Math.max(outMax, io[1]);
            be = m.namedParameters().values().iterator().next().value().backend();
        }
        VeraProjection projection = VeraProjection.draw(be, c.r(), inMax, outMax, c.projectionPrngKey());
        for (String path : targets)
            Tuner.wrapped(root, path, VeraLayer.class, VeraLayer::new)
                    .addAdapter(name, projection, c, Tuner.targetSeed(seed, path));
        return c;
    }

    private static Module unwrapped(Module m) { return m instanceof TunerLayer t ? t.baseLayer() : m; }

    /** The shared projection, when save_projection is on, under the names {@link #savedKey} turns into peft's. */
    @Override
    public Map<String, Parameter> savedFrozen(Module root, String modelType, String name, VeraConfig config) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        if (!config.saveProjection()) return out;
        for (Module m : root.namedModules().values())
            if (m instanceof VeraLayer l && l.adapterNames().contains(name)) {
                out.put("vera_A." + name, l.projection(name).a());
                out.put("vera_B." + name, l.projection(name).b());
                break;
            }
        return out;
    }

    /** As every method, but the projection is peft's model-level {@code base_model.vera_A} / {@code base_model.vera_B}. */
    @Override
    public String savedKey(String fullName, String name) {
        if (fullName.equals("vera_A." + name)) return "base_model.vera_A";
        if (fullName.equals("vera_B." + name)) return "base_model.vera_B";
        return Tuner.super.savedKey(fullName, name);
    }
}
