package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locates the golden files written by tools/golden/ (test resources under golden/) and compares against them. */
final class Golden {
    private Golden() {}

    static Path path(String name) {
        var url = Golden.class.getResource("/golden/" + name);
        if (url == null) throw new IllegalStateException("golden file " + name
                + " missing: regenerate with /work/venv/bin/python tools/golden/make_golden.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final double REL_TOL = 1e-4, ELEMENT_ABS = 2e-5, ELEMENT_REL = 1e-4;

    /**
     * Asserts max |Δ| / max |ref| <= {@link #REL_TOL} and, per element, |Δ| <= {@link #ELEMENT_ABS} * max|ref| +
     * {@link #ELEMENT_REL} * |ref| (float32 on both sides, different summation orders: see FamilyParityTest), and
     * returns max |Δ| / max |ref|.
     */
    static double compare(String what, Tensor actual, Tensor expected) {
        assertThat(actual).as(what).isNotNull();
        assertThat(actual.shape()).as(what).isEqualTo(expected.shape());
        float[] a = actual.contiguous().toArray(), e = expected.toArray();
        double maxRef = 0;
        for (float v : e) maxRef = Math.max(maxRef, Math.abs(v));
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]), bound = ELEMENT_ABS * maxRef + ELEMENT_REL * Math.abs(e[i]);
            if (!(d <= bound))
                throw new AssertionError(what + " element " + i + ": " + a[i] + " vs " + e[i] + " (|Δ| " + d
                        + " > " + bound + ")");
        }
        double rel = Golden.relativeToMax(actual, expected);
        assertThat(rel).as(what + " max|Δ|/max|ref|").isLessThanOrEqualTo(REL_TOL);
        return rel;
    }

    /** max |a - b| / max |b|: the error relative to the tensor's largest magnitude. */
    static double relativeToMax(Tensor actual, Tensor expected) {
        float[] a = actual.toArray(), b = expected.toArray();
        if (a.length != b.length) throw new AssertionError("sizes differ: " + a.length + " vs " + b.length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs(b[i]));
        }
        if (Double.isNaN(maxDiff) || hasNaN(a)) return Double.POSITIVE_INFINITY;
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    private static boolean hasNaN(float[] a) {
        for (float v : a) if (Float.isNaN(v)) return true;
        return false;
    }

    static int[] ints(Tensor t) {
        float[] f = t.toArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Math.round(f[i]);
        return out;
    }
}
