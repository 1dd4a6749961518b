package cortado.eval;

import org.junit.jupiter.api.Test;

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

    private static List<Object> list(Object o) { return Golden.cast(o); }

    private static long num(Object o) { return ((Number) o).longValue(); }

    private static List<Map<String, Object>> cases() {
        List<Map<String, Object>> out = Golden.cast(Golden.json("python_random.json").get("cases"));
        assertThat(out).hasSize(9);
        return out;
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
    void randomDoublesEqualCpython() {
        for (Map<String, Object> c : cases()) {
            PythonRandom r = new PythonRandom(num(c.get("seed")));
            for (Object want : list(c.get("random"))) {
                assertThat(r.random()).as("seed %s", c.get("seed")).isEqualTo(((Number) want).doubleValue());
            }
        }
    }

    @Test
    void getrandbitsAndRandbelowEqualCpython() {
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
    void shuffleEqualsCpython() {
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
    void sampleEqualsCpythonOnBothPaths() {
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
