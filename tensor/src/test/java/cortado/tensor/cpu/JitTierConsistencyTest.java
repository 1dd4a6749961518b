package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.tensor.Tensor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Kernels give the same bits before and after the JIT compiles them. A child JVM limited to C1 runs every kernel
 * through the Vector API's Java fallback (C1 does not intrinsify it); this JVM, after warm-up, runs them as C2 code.
 * A difference between the two is what made two identical training runs drift apart at whichever step compilation
 * happened to finish (it was {@code reduceLanes(ADD)}, summed in another order by the intrinsic).
 */
class JitTierConsistencyTest {
    @Test
    void fallbackAndCompiledKernelsGiveTheSameBits() throws Exception {
        Map<String, Long> child = runChild();
        for (int i = 0; i < 15; i++) KernelSuite.run();   // enough calls and loop iterations for C2 to compile the kernels
        Map<String, Tensor> hot = KernelSuite.run();
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : hot.entrySet()) {
            Long c = child.get(e.getKey());
            assertThat(c).as("child JVM output " + e.getKey()).isNotNull();
            if (c != KernelSuite.checksum(e.getValue())) differ.add(e.getKey());
        }
        assertThat(differ).as("kernels whose C1 (Vector API fallback) and C2 results differ").isEmpty();
    }

    private static Map<String, Long> runChild() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-XX:TieredStopAtLevel=1", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), KernelSuite.class.getName(), "2");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, Long> out = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                text.append(line).append('\n');
                String[] f = line.split(" ");
                if (f.length == 2 && f[1].matches("\\d+")) out.put(f[0], Long.parseLong(f[1]));
            }
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).as("child JVM exit code; output:\n" + text).isZero();
        return out;
    }
}
