package cortado.peft.lycoris;

import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.peft.Tuner;
import cortado.peft.TunerLayer;
import cortado.peft.lora.LoraTuner;
import java.util.List;
import java.util.Map;

/**
 * What PEFT's {@code LoHaModel} and {@code LoKrModel} share ({@code LycorisTuner}): LoRA's default targets per
 * architecture (both mappings are copies of LoRA's), rank and alpha per module from rank_pattern / alpha_pattern, and
 * the method's layer on Linear bases.
 *
 * @param <C> the method's config
 * @param <L> the method's layer
 */
public abstract class LycorisTuner<C extends LycorisConfig, L extends LycorisLayer> implements Tuner<C> {
    private final Class<L> layerClass;

    protected LycorisTuner(Class<L> layerClass) { this.layerClass = layerClass; }

    /** A new layer of the method over a frozen base. */
    protected abstract L wrap(Module base, long seed);

    /** Adds adapter {@code name} with the module's rank and alpha to a layer. */
    protected abstract void addAdapter(L layer, String name, int r, double alpha, C config, long seed);

    @Override public Map<String, List<String>> defaultTargets() { return LoraTuner.DEFAULT_TARGETS; }

    @Override
    public boolean canWrap(Module m) { return layerClass.isInstance(m) || m instanceof Linear && !(m instanceof TunerLayer); }

    @Override
    public String wrapsWhat() { return "Linear layers (peft's LyCORIS layers take torch's Linear and Conv, not GPT-2's Conv1D)"; }

    @Override
    public C inject(Module root, List<String> targets, String name, C c, long seed) {
        for (String path : targets) {
            long s = Tuner.targetSeed(seed, path);
            addAdapter(Tuner.wrapped(root, path, layerClass, m -> wrap(m, s)), name, c.rankFor(path), c.alphaFor(path), c, s);
        }
        return c;
    }
}
