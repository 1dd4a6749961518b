package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paged AdamW against the resident optimizers: one tensor above the paging threshold (120,000 elements, spilled to
 * the file through 4 KB pages under a cap of a few pages) and two below it.
 */
class PagedAdamWTest {
    static final long PAGE = 4096;
    @TempDir Path dir;

    static Map<String, Parameter> params(long seed) {
        Random r = new Random(seed);
        Map<String, Parameter> ps = new LinkedHashMap<>();
        ps.put("big", new Parameter(Tensor.of(randn(r, 300 * 400, 0.1f), 300, 400)));
        ps.put("mid", new Parameter(Tensor.of(randn(r, 80 * 64, 0.1f), 80, 64)));
        ps.put("bias", new Parameter(Tensor.of(randn(r, 64, 0.1f), 64)));
        return ps;
    }

    static float[] randn(Random r, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * scale;
        return x;
    }

    static void grads(Map<String, Parameter> ps, Random r) {
        for (Parameter p : ps.values()) p.value().setGrad(Tensor.of(randn(r, p.numel(), 0.01f), p.shape()));
    }

    static void copyGrads(Map<String, Parameter> from, Map<String, Parameter> to) {
        from.forEach((n, p) -> to.get(n).value().setGrad(Tensor.of(p.value().grad().toArray(), p.shape())));
    }

    /** Small state resident plus three pages: the big tensor's 235 pages take turns in the last frame. */
    static long cap(boolean eightBit) {
        long small = eightBit ? new Blockwise8bitLayout(80 * 64).bytes() + 8 * 64 : 8L * (80 * 64 + 64);
        return small + 3 * PAGE;
    }

    /**
     * Tolerance 1e-6 absolute on parameters (values ~0.1) and moments, the "same updates as AdamW to 1e-6":
     * the paged kernel computes AdamW's formula element by element, a last-bit difference from the vector kernel at
     * most (its m uses the same fused multiply-add; v = v b2 + g^2 (1-b2) in the same order).
     */
    @Test
    void fp32PagedEqualsAdamWUnderTheCap() {
        Map<String, Parameter> ref = params(1), pg = params(1);
        AdamW adamw = new AdamW(ref, 0.1f);
        try (PagedAdamW paged = new PagedAdamW(pg, 0.1f, false, cap(false), dir, PAGE)) {
            assertThat(paged.isPaged("big")).isTrue();
            assertThat(paged.isPaged("mid")).isFalse();
            Random r = new Random(2);
            for (int s = 0; s < 5; s++) {
                grads(ref, r);
                copyGrads(ref, pg);
                adamw.step(1e-2f, 0.7f);
                paged.step(1e-2f, 0.7f);
                assertThat(paged.stateBytesResident()).isLessThanOrEqualTo(cap(false));
            }
            assertThat(paged.pageIns()).as("pages brought back from the spill file").isGreaterThan(5 * 200L);
            assertThat(paged.stateBytesTotal()).isGreaterThan(8L * 120_000);
            for (String n : ref.keySet())
                assertMax(pg.get(n).value().toArray(), ref.get(n).value().toArray(), 1e-6, n);
            float[][] mv = paged.pagedMoments("big");
            assertMax(mv[0], adamw.firstMoments().get("big").toArray(), 1e-6, "big exp_avg");
            assertMax(mv[1], adamw.secondMoments().get("big").toArray(), 1e-6, "big exp_avg_sq");
        }
    }

    /** Paging moves bytes only: paged 8-bit AdamW equals AdamW8bit bit for bit (pages hold whole 256-blocks). */
    @Test
    void eightBitPagedEqualsAdamW8bitExactly() {
        Map<String, Parameter> ref = params(3), pg = params(3);
        AdamW8bit q = new AdamW8bit(ref, 0.1f);
        try (PagedAdamW paged = new PagedAdamW(pg, 0.1f, true, cap(true), dir, PAGE)) {
            Random r = new Random(4);
            for (int s = 0; s < 4; s++) {
                grads(ref, r);
                copyGrads(ref, pg);
                q.step(1e-2f, 1f);
                paged.step(1e-2f, 1f);
                assertThat(paged.stateBytesResident()).isLessThanOrEqualTo(cap(true));
            }
            assertThat(paged.pageIns()).isGreaterThan(0);
            for (String n : ref.keySet())
                assertThat(pg.get(n).value().toArray()).as(n).containsExactly(ref.get(n).value().toArray());
        }
    }

    @Test
    void saveAndLoadContinueTheSameRun(@TempDir Path ckpt) {
        for (boolean eightBit : new boolean[] {false, true}) {
            Map<String, Parameter> straight = params(5), resumed = params(5);
            Random r1 = new Random(6), r2 = new Random(6);
            try (PagedAdamW a = new PagedAdamW(straight, 0.1f, eightBit, cap(eightBit), dir, PAGE)) {
                for (int s = 0; s < 3; s++) { grads(straight, r1); a.step(1e-2f, 1f); }
            }
            Path file = ckpt.resolve("opt" + eightBit + ".safetensors");
            try (PagedAdamW b = new PagedAdamW(resumed, 0.1f, eightBit, cap(eightBit), dir, PAGE)) {
                for (int s = 0; s < 1; s++) { grads(resumed, r2); b.step(1e-2f, 1f); }
                b.saveState(file);
            }
            try (PagedAdamW c = new PagedAdamW(resumed, 0.1f, eightBit, cap(eightBit), dir, PAGE)) {
                c.loadState(file);
                assertThat(c.stepCount()).isEqualTo(1);
                for (int s = 0; s < 2; s++) { grads(resumed, r2); c.step(1e-2f, 1f); }
            }
            for (String n : straight.keySet())
                assertThat(resumed.get(n).value().toArray()).as(n + (eightBit ? " (8-bit)" : ""))
                        .containsExactly(straight.get(n).value().toArray());
        }
    }

    @Test
    void aCapBelowOnePageIsAClearError() {
        assertThatThrownBy(() -> new PagedAdamW(params(1), 0f, false, 1000, dir, PAGE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("optimizer memory cap of 0.00 MB is too small");
    }

    @Test
    void theSpillFileIsRemovedOnClose() throws Exception {
        Map<String, Parameter> ps = params(1);
        try (PagedAdamW p = new PagedAdamW(ps, 0f, false, cap(false), dir, PAGE)) {
            grads(ps, new Random(1));
            p.step(1e-3f, 1f);
            assertThat(p.pageIns()).isPositive();
        }
        try (var files = Files.list(dir)) { assertThat(files.count()).isZero(); }
    }

    @Test
    void aStateFileOfAnotherKindIsRefused(@TempDir Path ckpt) {
        Map<String, Parameter> ps = params(1);
        AdamW a = new AdamW(ps, 0f);
        grads(ps, new Random(1));
        a.step(1e-3f);
        Path file = ckpt.resolve("o.safetensors");
        a.saveState(file);
        try (PagedAdamW p = new PagedAdamW(ps, 0f, true, cap(true), dir, PAGE)) {
            assertThatThrownBy(() -> p.loadState(file)).hasMessageContaining("optimizer state of adamw, but this run uses paged-adamw-8bit");
        }
    }

    static void assertMax(float[] actual, float[] expected, double tol, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++)
            if (Math.abs(actual[i] - expected[i]) > tol)
                throw new AssertionError(what + "[" + i + "]: " + actual[i] + " != " + expected[i]);
    }

    static float byteAt(MemorySegment s, long i) { return s.get(ValueLayout.JAVA_BYTE, i); }
}
