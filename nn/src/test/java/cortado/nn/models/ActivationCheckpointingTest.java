package cortado.nn.models;

import static org.assertj.core.api.Assertions.*;

import cortado.autograd.Autograd;
import cortado.tensor.StepArena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-block activation checkpointing gives the gradients of the plain model, for both families, in a step arena too. */
class ActivationCheckpointingTest {
    private static Map<String, float[]> gradients(String preset, boolean checkpoint, boolean arena) {
        CausalLm m = Presets.create(preset, 3);
        m.module().checkpointActivations(checkpoint);
        SplittableRandom r = new SplittableRandom(4);
        int b = 2, t = 9;
        int[] ids = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(257);
            targets[i] = r.nextInt(257);
        }
        Map<String, float[]> grads = new LinkedHashMap<>();
        try (StepArena a = arena ? StepArena.open() : null) {
            Autograd.backward(m.loss(ids, targets, b, t));
            m.module().namedParameters().forEach((name, p) -> grads.put(name, p.value().grad().toArray()));
        }
        return grads;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void sameGradientsAsWithout(String preset) {
        Map<String, float[]> plain = gradients(preset, false, false);
        for (boolean arena : new boolean[] {false, true}) {
            Map<String, float[]> ck = gradients(preset, true, arena);
            assertThat(ck.keySet()).isEqualTo(plain.keySet());
            double worst = 0;
            for (String name : plain.keySet()) {
                float[] a = plain.get(name), c = ck.get(name);
                // 1e-6 absolute (the bar): the recomputed block runs the same kernels on the same input.
                for (int i = 0; i < a.length; i++) {
                    worst = Math.max(worst, Math.abs(a[i] - c[i]));
                    assertThat(c[i]).as("%s[%d], arena %s", name, i, arena).isCloseTo(a[i], within(1e-6f));
                }
            }
            System.out.printf("checkpointing %s (arena %s): largest gradient difference %.3g%n", preset, arena, worst);
        }
    }
}
