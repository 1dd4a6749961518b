package cortado.peft.loha;

import cortado.nn.Module;
import cortado.peft.lycoris.LycorisTuner;
import java.util.Map;

/** PEFT's {@code LoHaModel}: {@link LycorisTuner} with LoHa's layer. */
public final class LoHaTuner extends LycorisTuner<LoHaConfig, LoHaLayer> {
    public LoHaTuner() { super(LoHaLayer.class); }

    @Override public String peftType() { return LoHaConfig.PEFT_TYPE; }

    @Override public Class<LoHaConfig> configClass() { return LoHaConfig.class; }

    @Override public LoHaConfig fromJson(Map<String, Object> json, String where) { return LoHaConfig.fromJson(json, where); }

    @Override protected LoHaLayer wrap(Module base, long seed) { return new LoHaLayer(base, seed); }

    @Override
    protected void addAdapter(LoHaLayer layer, String name, int r, double alpha, LoHaConfig c, long seed) {
        layer.addAdapter(name, r, alpha, c, seed);
    }
}
