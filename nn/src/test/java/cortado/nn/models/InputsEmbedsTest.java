package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** inputs_embeds entry points: both accepted shapes agree, a wrong shape is one clear error (parity is in tests/). */
class InputsEmbedsTest {

    @Test
    void flatAndBatchedShapesAgreeAndWrongShapesAreRefused() {
        for (String preset : new String[] {"gpt2-tiny", "llama-tiny"}) {
            CausalLm m = Presets.create(preset, 3);
            int[] ids = {5, 7, 9, 11, 13, 15};
            Tensor rows = m.embed(ids);
            assertThat(rows.shape()).containsExactly(6, 32);
            float[] flat = m.forwardEmbeds(rows, 2, 3).toArray();
            assertThat(m.forwardEmbeds(rows.reshape(2, 3, 32), 2, 3).toArray()).containsExactly(flat);
            assertThat(flat).containsExactly(m.forward(ids, 2, 3).toArray());
            assertThatThrownBy(() -> m.forwardEmbeds(rows, 3, 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("inputs_embeds of shape [6, 32], expected [3, 3, 32] or [9, 32]");
            assertThatThrownBy(() -> m.lossFromEmbeds(Tensor.zeros(6, 31), new int[6], 2, 3))
                    .hasMessageContaining("inputs_embeds of shape [6, 31]");
        }
    }
}
