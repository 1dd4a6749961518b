package cortado.eval;

import cortado.data.json.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PythonRandom against CPython's random.Random (draws written by tools/golden/eval/make_python_random_golden.py
 * with the Python named in the file). Tolerance: none; every draw, including random()'s doubles, must be equal,
 * since one differing draw changes lm-eval's few-shot prompts.
 */
class PythonRandomParityTest {

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) { return (List<Object>) o; }

    private static long num(Object o) { return ((Number) o).longValue(); }

    private static List<Map<String, Object>> cases() throws IOException {
        try (InputStream in = PythonRandomParityTest.class.getResourceAsStream("/eval/python_random.json")) {
            assertThat(in).as("golden eval/python_random.json").isNotNull();
            Map<String, Object> doc = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            List<Map<String, Object>> out = new ArrayList<>();
            for (Object c : list(doc.get("cases"))) {
                @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) c;
                out.add(m);
            }
            assertThat(out).hasSize(9);
            return out;
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> x = new ArrayList<>(n);
        for (int i = 0; i < n; i++) x.add(i);
        return x;
    }

    private static List<Integer> ints(Object o) {
        List<Integer> x = new ArrayList<>();
        for (Object v : list(o)) x.add((int) num(v));
        return x;
    }

    @Test
    void randomDoublesEqualCpython() throws IOException {
        for (Map<String, Object> c : cases()) {
            PythonRandom r = new PythonRandom(num(c.get("seed")));
            for (Object want : list(c.get("random"))) {
                assertThat(r.random()).as("seed %s", c.get("seed")).isEqualTo(((Number) want).doubleValue());
            }
        }
    }

    @Test
    void getrandbitsAndRandbelowEqualCpython() throws IOException {
        for (Map<String, Object> c : cases()) {
            PythonRandom r = new PythonRandom(num(c.get("seed")));
            for (Object p : list(c.get("getrandbits"))) {
                List<Object> kv = list(p);
                assertThat(r.getrandbits((int) num(kv.get(0)))).as("seed %s k %s", c.get("seed"), kv.get(0)).isEqualTo(num(kv.get(1)));
            }
            r = new PythonRandom(num(c.get("seed")));
            for (Object p : list(c.get("randbelow"))) {
                List<Object> nv = list(p);
                assertThat(r.randbelow(num(nv.get(0)))).as("seed %s n %s", c.get("seed"), nv.get(0)).isEqualTo(num(nv.get(1)));
            }
        }
    }

    @Test
    void shuffleEqualsCpython() throws IOException {
        for (Map<String, Object> c : cases()) {
            PythonRandom r = new PythonRandom(num(c.get("seed")));
            for (Object want : list(c.get("shuffle"))) {
                List<Integer> w = ints(want);
                List<Integer> x = range(w.size());
                r.shuffle(x);
                assertThat(x).as("seed %s n %d", c.get("seed"), w.size()).isEqualTo(w);
            }
        }
    }

    @Test
    void sampleEqualsCpythonOnBothPaths() throws IOException {
        for (Map<String, Object> c : cases()) {
            PythonRandom r = new PythonRandom(num(c.get("seed")));
            for (Object p : list(c.get("sample"))) {
                List<Object> nkv = list(p);
                int n = (int) num(nkv.get(0)), k = (int) num(nkv.get(1));
                assertThat(r.sample(range(n), k)).as("seed %s n %d k %d", c.get("seed"), n, k).isEqualTo(ints(nkv.get(2)));
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        PythonRandom r = new PythonRandom(1234);
        assertThatThrownBy(() -> r.sample(range(3), 4)).hasMessageContaining("Sample larger than population");
        assertThatThrownBy(() -> r.randbelow(0)).hasMessageContaining("n > 0");
        assertThatThrownBy(() -> r.getrandbits(64)).hasMessageContaining("0..63");
    }
}
