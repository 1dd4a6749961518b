package cortado.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.peft.adaptionprompt.AdaptionPromptConfig;
import cortado.peft.bitfit.BitFitConfig;
import cortado.peft.ia3.IA3Config;
import cortado.peft.lora.LoraConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configs a command line builds from a method name: peft's defaults where an option is not given. */
class PeftMethodsTest {
    @Test
    void eachNameGivesItsMethodsConfigWithPeftsDefaults() {
        PeftMethods.Options none = PeftMethods.Options.defaults();
        LoraConfig lora = (LoraConfig) PeftMethods.config("lora", none);
        assertThat(lora.r()).isEqualTo(8);
        assertThat(lora.loraAlpha()).isEqualTo(8.0);
        assertThat(lora.targetModules()).isNull();
        LoraConfig custom = (LoraConfig) PeftMethods.config("qlora", new PeftMethods.Options(16, 32.0, 0.05,
                TargetModules.allLinear(), true, null, List.of("lm_head")));
        assertThat(custom.r()).isEqualTo(16);
        assertThat(custom.useRslora()).isTrue();
        assertThat(custom.loraDropout()).isEqualTo(0.05);
        assertThat(custom.modulesToSave()).containsExactly("lm_head");
        assertThat(PeftMethods.config("ia3", none)).isInstanceOf(IA3Config.class);
        assertThat(PeftMethods.config("bitfit", none)).isInstanceOf(BitFitConfig.class);
        // Each wraps a model through the one entry point (LoHa, LoKr, OFT and BOFT take Linear layers: a Llama).
        PeftMethods.Options twoLayers = new PeftMethods.Options(null, null, null, null, false, null, null, 2);
        for (String m : PeftMethods.NAMES)
            assertThat(PeftModel.wrap(List.of("loha", "lokr", "oft", "boft").contains(m) ? TinyModels.llama(1) : TinyModels.gpt2(1),
                    PeftMethods.config(m, m.equals("adaption-prompt") ? twoLayers : none), 0).trainableAndAll()[0])
                    .as(m).isPositive();
        assertThat(PeftMethods.config("adaption-prompt", twoLayers))
                .isEqualTo(new AdaptionPromptConfig(null, 10, 2, null, "CAUSAL_LM"));
        assertThatThrownBy(() -> PeftMethods.config("adaption-prompt", none)).isInstanceOf(PeftException.class)
                .hasMessage("adaption-prompt needs adapter_layers (peft has no default)");
    }

    @Test
    void anUnknownNameListsTheMethods() {
        assertThatThrownBy(() -> PeftMethods.config("prefix", PeftMethods.Options.defaults()))
                .isInstanceOf(PeftException.class).hasMessage("unknown PEFT method \"prefix\" (methods: lora, qlora, ia3, bitfit, loha, lokr, vera, oft, boft, ln-tuning, fourierft, adaption-prompt)");
    }
}
