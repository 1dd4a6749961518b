package cortado.gpu.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One CUDA C file of kernels, a resource under {@code cortado/gpu/kernels/}, compiled as one NVRTC program; every
 * file includes {@code common.cuh} (handed to NVRTC as an in-memory header, so no CUDA headers are needed).
 */
public record KernelSource(String file, String text) {
    /** Every kernel file, each compiled at first use. */
    public static final List<String> FILES = List.of("elementwise.cu", "reduce.cu", "softmax.cu", "norms.cu",
            "embedding.cu", "rope.cu", "attention.cu", "cross_entropy.cu", "dropout.cu", "dequantize.cu", "optimizers.cu");

    /** The header every file includes. */
    public static final String COMMON = "common.cuh";

    /** The file's text from the resources. */
    public static KernelSource load(String file) { return new KernelSource(file, resource(file)); }

    /** The in-memory headers: include name to text. */
    public static Map<String, String> headers() { return Map.of(COMMON, resource(COMMON)); }

    private static String resource(String file) {
        try (InputStream in = KernelSource.class.getResourceAsStream("/cortado/gpu/kernels/" + file)) {
            if (in == null) throw new IllegalStateException("kernel source cortado/gpu/kernels/" + file + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
