package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.Parameter;
import cortado.quant.DynamicMap;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AdamW8bit against fp32 AdamW over 100 steps, by the protocol and criteria of bitsandbytes' own tests/test_optim.py
 * (test_optimizer8bit, float32, adam8bit_blockwise): a 1024x32 parameter randn * 0.1, gradients randn * 0.01, lr 1e-3,
 * no weight decay; after every step the mean absolute parameter error below 6e-5, the mean relative error
 * |p1 - p2| / (|p1| + 1e-9) below 6e-4, and fewer than 20 elements of each dequantized moment outside
 * atol 3e-3, rtol 1e-3 of the fp32 moment; every 10 steps the state survives a save and load unchanged. As there,
 * after each step the 8-bit parameter is reset to the fp32 one and the fp32 moments to the dequantized 8-bit ones
 * ("the parameters diverge quickly. Here we keep them close together so we can test against the Adam error"): the
 * criteria bound one step's error, 100 times over. (bnb runs 50 steps; the issue asks 100. Without the resets the
 * real library's CPU update drifts past them within a few steps too: mean relative error 2e-3 at step 3.)
 */
class AdamW8bitAccuracyTest {
    @TempDir Path dir;

    @Test
    void staysWithinBitsandbytesTolerancesOfFp32AdamWFor100Steps() {
        int rows = 1024, cols = 32, n = rows * cols;
        Random r = new Random(7);
        float[] init = new float[n];
        for (int i = 0; i < n; i++) init[i] = (float) r.nextGaussian() * 0.1f;
        Parameter p32 = new Parameter(Tensor.of(init.clone(), rows, cols));
        Parameter p8 = new Parameter(Tensor.of(init.clone(), rows, cols));
        AdamW fp32 = new AdamW(Map.of("w", p32), 0f);
        AdamW8bit q = new AdamW8bit(Map.of("w", p8), 0f);
        float[] signed = DynamicMap.signed(), unsigned = DynamicMap.unsigned();
        Blockwise8bitLayout l = new Blockwise8bitLayout(n);
        double worstErr = 0, worstRel = 0, worstM = 0, worstV = 0;
        for (int step = 1; step <= 100; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian() * 0.01f;
            p32.value().setGrad(Tensor.of(g.clone(), rows, cols));
            p8.value().setGrad(Tensor.of(g.clone(), rows, cols));
            fp32.step(1e-3f, 1f);
            q.step(1e-3f, 1f);

            float[] a = p32.value().toArray(), b = p8.value().toArray();
            double err = 0, rel = 0;
            for (int i = 0; i < n; i++) {
                double e = Math.abs(a[i] - b[i]);
                err += e;
                rel += e / (Math.abs(a[i]) + 1e-9);
            }
            err /= n;
            rel /= n;
            worstErr = Math.max(worstErr, err);
            worstRel = Math.max(worstRel, rel);
            assertThat(err).as("mean abs error at step %d", step).isLessThan(6e-5);
            assertThat(rel).as("mean relative error at step %d", step).isLessThan(6e-4);

            MemorySegment s = q.quantizedState("w");
            assertThat(notClose(fp32.firstMoments().get("w").toArray(), s, 0, l.absmax1At(), signed, n))
                    .as("first-moment elements off at step %d", step).isLessThan(20);
            assertThat(notClose(fp32.secondMoments().get("w").toArray(), s, l.codes2At(), l.absmax2At(), unsigned, n))
                    .as("second-moment elements off at step %d", step).isLessThan(20);

            // Ours, beyond bnb's (whose atol 3e-3 exceeds these moments, ~1e-3 and ~1e-4, so it catches little):
            // the requantization error of each moment, sum |deq - fp32| / sum |fp32|, below 2%: the dynamic maps'
            // resolution gives 1.1% on m and 0.7% on v here (measured worst over the 100 steps).
            float[] m32 = fp32.firstMoments().get("w").toArray(), v32 = fp32.secondMoments().get("w").toArray();
            worstM = Math.max(worstM, relL1(dequantize(s, 0, l.absmax1At(), signed, n), m32));
            worstV = Math.max(worstV, relL1(dequantize(s, l.codes2At(), l.absmax2At(), unsigned, n), v32));
            assertThat(worstM).as("first-moment requantization error at step %d", step).isLessThan(0.02);
            assertThat(worstV).as("second-moment requantization error at step %d", step).isLessThan(0.02);

            if (step % 10 == 0) {   // bnb: state_dict round trip, the codes unchanged
                byte[] before = s.toArray(ValueLayout.JAVA_BYTE);
                Path file = dir.resolve("state" + step + ".safetensors");
                q.saveState(file);
                q.close();
                q = new AdamW8bit(Map.of("w", p8), 0f);
                q.loadState(file);
                assertThat(q.quantizedState("w").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(before);
                assertThat(q.stepCount()).isEqualTo(step);
                s = q.quantizedState("w");
            }
            // bnb's resynchronisation: p2 = p1; torch's moments = the dequantized 8-bit ones.
            System.arraycopy(a, 0, p8.value().data(), p8.value().offset(), n);
            System.arraycopy(dequantize(s, 0, l.absmax1At(), signed, n), 0,
                    fp32.firstMoments().get("w").data(), fp32.firstMoments().get("w").offset(), n);
            System.arraycopy(dequantize(s, l.codes2At(), l.absmax2At(), unsigned, n), 0,
                    fp32.secondMoments().get("w").data(), fp32.secondMoments().get("w").offset(), n);
        }
        System.out.printf("AdamW8bit vs AdamW, 100 steps: worst one-step mean abs error %.3g, mean rel error %.3g,"
                + " moment requantization error m %.3g v %.3g%n", worstErr, worstRel, worstM, worstV);
    }

    static double relL1(float[] a, float[] ref) {
        double d = 0, r = 0;
        for (int i = 0; i < a.length; i++) { d += Math.abs(a[i] - ref[i]); r += Math.abs(ref[i]); }
        return d / r;
    }

    static float[] dequantize(MemorySegment s, long codesAt, long absmaxAt, float[] map, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++)
            out[i] = map[s.get(ValueLayout.JAVA_BYTE, codesAt + i) & 0xFF]
                    * s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, absmaxAt + 4L * (i / 256));
        return out;
    }

    /** Elements where code[c]*absmax is not within atol 3e-3 + rtol 1e-3 of the fp32 moment (torch.isclose). */
    static int notClose(float[] ref, MemorySegment s, long codesAt, long absmaxAt, float[] map, int n) {
        int off = 0;
        for (int i = 0; i < n; i++) {
            float absmax = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, absmaxAt + 4L * (i / 256));
            float deq = map[s.get(ValueLayout.JAVA_BYTE, codesAt + i) & 0xFF] * absmax;
            if (Math.abs(ref[i] - deq) > 3e-3 + 1e-3 * Math.abs(deq)) off++;
        }
        return off;
    }
}
