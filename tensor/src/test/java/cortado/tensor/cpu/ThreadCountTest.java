package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every kernel gives the same bits on 1, 2, 3 and 4 threads: reductions are split into pieces fixed by the sizes alone
 * and summed in a fixed order (norm weight gradients per block of rows, whole-tensor sums per block of elements,
 * attention's dQ by query block), and flat SIMD loops split only at multiples of every vector width, so no element
 * moves between a vector body and a scalar tail. This is what lets a run continue bit for bit on another --threads.
 */
class ThreadCountTest {
    private final int before = Parallel.threads();

    @AfterEach
    void restore() { Parallel.setThreads(before); }

    private static Map<String, Long> checksums(int threads) {
        Parallel.setThreads(threads);
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : KernelSuite.run().entrySet())
            out.put(e.getKey(), KernelSuite.checksum(e.getValue()));
        return out;
    }

    @Test
    void everyKernelGivesTheSameBitsOnOneToFourThreads() {
        Map<String, Long> one = checksums(1);
        List<String> differ = new ArrayList<>();
        for (int threads = 2; threads <= 4; threads++) {
            Map<String, Long> many = checksums(threads);
            for (Map.Entry<String, Long> e : one.entrySet())
                if (!e.getValue().equals(many.get(e.getKey()))) differ.add(e.getKey() + " on " + threads + " threads");
        }
        assertThat(differ).as("outputs that differ from one thread").isEmpty();
    }
}
