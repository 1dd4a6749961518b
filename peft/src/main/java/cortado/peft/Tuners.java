package cortado.peft;

import cortado.peft.bitfit.BitFitTuner;
import cortado.peft.ia3.IA3Tuner;
import cortado.peft.loha.LoHaTuner;
import cortado.peft.lokr.LoKrTuner;
import cortado.peft.lora.LoraTuner;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The methods Cortado has, by {@code peft_type}: PEFT's {@code PEFT_TYPE_TO_TUNER_MAPPING} (peft/mapping.py). BitFit is
 * no PEFT method; its type {@code BITFIT} is Cortado's and is saved in files of its own ({@link BitFitTuner}).
 */
public final class Tuners {
    private static final Map<String, Tuner<?>> BY_TYPE = new LinkedHashMap<>();

    static {
        for (Tuner<?> t : List.of(new LoraTuner(), new IA3Tuner(), new BitFitTuner(), new LoHaTuner(),
                new LoKrTuner(), new cortado.peft.vera.VeraTuner(),
                new cortado.peft.oft.OFTTuner(), new cortado.peft.lntuning.LNTuningTuner(),
                new cortado.peft.prompttuning.PromptTuningTuner(),
                new cortado.peft.multitaskprompttuning.MultitaskPromptTuningTuner(), new cortado.peft.ptuning.PTuningTuner(),
                new cortado.peft.prefixtuning.PrefixTuningTuner(), new cortado.peft.adalora.AdaLoraTuner(), new cortado.peft.hra.HRATuner(), new cortado.peft.fourierft.FourierFTTuner(),
                new cortado.peft.boft.BOFTTuner(),
                new cortado.peft.bottleneck.BottleneckTuner(),
                new cortado.peft.trainabletokens.TrainableTokensTuner(),
                new cortado.peft.adaptionprompt.AdaptionPromptTuner(), new cortado.peft.xlora.XLoraTuner())) BY_TYPE.put(t.peftType(), t);
    }

    private Tuners() {}

    /** The peft_type values Cortado reads and writes. */
    public static List<String> supported() { return List.copyOf(BY_TYPE.keySet()); }

    /** The tuner of a peft_type, or an error naming {@code where} (a file, or null) and the supported types. */
    public static Tuner<?> forType(String peftType, String where) {
        Tuner<?> t = BY_TYPE.get(peftType);
        if (t == null)
            throw new PeftException((where == null ? "" : where + ": ") + "peft_type \"" + peftType
                    + "\" is not supported (supported: " + String.join(", ", supported()) + ")");
        return t;
    }

    /** The tuner of a config. */
    @SuppressWarnings("unchecked")
    public static <C extends PeftConfig> Tuner<C> forConfig(C config) {
        Tuner<?> t = forType(config.peftType(), null);
        if (!t.configClass().isInstance(config))
            throw new PeftException("a " + config.getClass().getSimpleName() + " says peft_type " + config.peftType()
                    + ", whose config is " + t.configClass().getSimpleName());
        return (Tuner<C>) t;
    }
}
