package cortado.tests.parity;

import cortado.tensor.Tensor;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locates the golden files written by tools/golden/make_golden.py (test resources under golden/). */
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
