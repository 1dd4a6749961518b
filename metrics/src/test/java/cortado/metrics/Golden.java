package cortado.metrics;

import cortado.data.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Reads the golden files that tools/metrics/make_metric_golden.py writes from the reference libraries. */
final class Golden {
    private Golden() {}

    static Map<String, Object> load(String name) {
        try (InputStream in = Golden.class.getResourceAsStream("/metrics/" + name)) {
            if (in == null) throw new IllegalStateException("missing golden file metrics/" + name);
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) { return (Map<String, Object>) o; }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) { return (List<Object>) o; }

    @SuppressWarnings("unchecked")
    static List<String> strings(Object o) { return (List<String>) o; }

    @SuppressWarnings("unchecked")
    static List<List<String>> streams(Object o) { return (List<List<String>>) o; }

    static double number(Object o) { return ((Number) o).doubleValue(); }

    static double[] numbers(Object o) {
        List<Object> l = list(o);
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = number(l.get(i));
        return d;
    }

    static int[] ints(Object o) {
        List<Object> l = list(o);
        int[] d = new int[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).intValue();
        return d;
    }

    static boolean flag(Map<String, Object> options, String key) { return Boolean.TRUE.equals(options.get(key)); }
}
