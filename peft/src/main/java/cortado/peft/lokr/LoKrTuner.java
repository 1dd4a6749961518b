package cortado.peft.lokr;

import cortado.nn.Module;
import cortado.peft.lycoris.LycorisTuner;
import java.util.Map;

/** PEFT's {@code LoKrModel}: {@link LycorisTuner} with LoKr's layer. */
public final class LoKrTuner extends LycorisTuner<LoKrConfig, LoKrLayer> {
    public LoKrTuner() { super(LoKrLayer.class); }

    @Override public String peftType() { return LoKrConfig.PEFT_TYPE; }

    @Override public Class<LoKrConfig> configClass() { return LoKrConfig.class; }

    @Override public LoKrConfig fromJson(Map<String, Object> json, String where) { return LoKrConfig.fromJson(json, where); }

    @Override protected LoKrLayer wrap(Module base, long seed) { return new LoKrLayer(base, seed); }

    @Override
    protected void addAdapter(LoKrLayer layer, String name, int r, double alpha, LoKrConfig c, long seed) {
        layer.addAdapter(name, r, alpha, c, seed);
    }
}
