package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.nn.models.CausalLm;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ten AdamW steps against torch.optim.AdamW from the same weights on the same batches (tools/golden/make_golden.py):
 * sequential batches as llm.c's loader reads them (batch i = tokens[i*B*T .. (i+1)*B*T], targets shifted by one),
 * lr 1e-3 constant, betas (0.9, 0.999), eps 1e-8, weight decay 0.1 on tensors of rank >= 2 only, global-norm clip 1.0.
 *
 * <p>Tolerance: each loss within 1e-3 (absolute, on losses of 5..8). The float32 rounding differences of one step
 * (~1e-6 relative) pass through the updates, and Adam amplifies them where it divides a tiny gradient by its own
 * RMS (the first step moves every weight by about lr, whatever the gradient's size); 1e-3 bounds that drift while a
 * wrong bias correction, decay or clipping shows up as 1e-2 or more within ten steps.
 */
class TrainingParityTest {
    static final double TOL = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void tenAdamWStepsMatchPyTorch(String family) {
        int b, t, steps;
        float lr, wd, clip;
        int[] tokens;
        float[] expected;
        try (SafetensorsFile f = Safetensors.read(Golden.path(family + "_train.safetensors"))) {
            b = Integer.parseInt(f.metadata().get("B"));
            t = Integer.parseInt(f.metadata().get("T"));
            steps = Integer.parseInt(f.metadata().get("steps"));
            lr = Float.parseFloat(f.metadata().get("lr"));
            wd = Float.parseFloat(f.metadata().get("weight_decay"));
            clip = Float.parseFloat(f.metadata().get("grad_clip"));
            tokens = Golden.ints(f.toFloatTensor("tokens"));
            expected = f.toFloatTensor("losses").toArray();
        }
        CausalLm model = HfCheckpoint.load(Golden.path(family));
        AdamW opt = new AdamW(model.module().namedParameters(), 0.9f, 0.999f, 1e-8f, wd);
        float[] losses = new float[steps];
        for (int i = 0; i < steps; i++) {
            int[] x = Arrays.copyOfRange(tokens, i * b * t, (i + 1) * b * t);
            int[] y = Arrays.copyOfRange(tokens, i * b * t + 1, (i + 1) * b * t + 1);
            opt.zeroGrad();
            Tensor loss = model.loss(x, y, b, t);
            Autograd.backward(loss);
            GradClip.clipGlobalNorm(opt.parameterList(), clip);
            opt.step(lr);
            losses[i] = loss.item();
        }
        double worst = 0;
        for (int i = 0; i < steps; i++) worst = Math.max(worst, Math.abs(losses[i] - expected[i]));
        System.out.printf("%s training parity: max |loss diff| %.2e over %d steps; cortado %s; torch %s%n", family,
                worst, steps, Arrays.toString(losses), Arrays.toString(expected));
        for (int i = 0; i < steps; i++)
            assertThat((double) losses[i]).as(family + " loss at step " + i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(TOL));
    }
}
