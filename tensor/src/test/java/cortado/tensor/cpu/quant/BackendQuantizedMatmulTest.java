package cortado.tensor.cpu.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.Tensor;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * The quantized product as a {@link Backend} operation: the same numbers as the fused kernel it delegates to (checked
 * against dequantize-then-multiply in {@link QuantMatmulTest}), over batched and strided inputs; exact equality since
 * both sides run the identical kernel on identical rows.
 */
class BackendQuantizedMatmulTest {
    private final Backend cpu = Backends.cpu();

    @Test
    void fourBitForwardAndInputGradientOverBatchedStridedInputs() {
        Packed4bit k = QuantMatmulTest.random4bit(40, 64, 64, 3);
        QuantizedWeight w = cpu.quantized4bit(k.packed(), k.absmax(), k.code(), k.blocksize(), 40, 64);
        assertThat(w.backend()).isSameAs(cpu);
        // x [2, 3, 64] built as a transposed view, so the backend has to make it contiguous first
        float[] xs = QuantMatmulTest.random(2 * 3 * 64, 5);
        Tensor x = cpu.fromArray(xs.clone(), 2, 64, 3).transpose(1, 2);
        Tensor y = cpu.quantizedMatmul(x, w);
        assertThat(y.shape()).containsExactly(2, 3, 40);
        float[] expected = new float[6 * 40];
        QuantMatmul.matmul(k, x.toArray(), 0, 6, expected, 0);
        assertThat(y.toArray()).containsExactly(expected);

        float[] dys = QuantMatmulTest.random(6 * 40, 7);
        Tensor dx = cpu.quantizedMatmulGradInput(cpu.fromArray(dys.clone(), 2, 3, 40), w);
        assertThat(dx.shape()).containsExactly(2, 3, 64);
        float[] expectedDx = new float[6 * 64];
        QuantMatmul.matmulGradInput(k, dys, 0, 6, expectedDx, 0);
        assertThat(dx.toArray()).containsExactly(expectedDx);
    }

    @Test
    void int8ForwardAndInputGradient() {
        PackedInt8 k = QuantMatmulTest.randomInt8(12, 48, 48, 9);
        QuantizedWeight w = cpu.quantizedInt8(k.data(), k.scale(), 48, 12, 48);
        float[] xs = QuantMatmulTest.random(5 * 48, 11);
        float[] expected = new float[5 * 12];
        QuantMatmul.matmul(k, xs, 0, 5, expected, 0);
        assertThat(cpu.quantizedMatmul(cpu.fromArray(xs.clone(), 5, 48), w).toArray()).containsExactly(expected);
        float[] dys = QuantMatmulTest.random(5 * 12, 13);
        float[] expectedDx = new float[5 * 48];
        QuantMatmul.matmulGradInput(k, dys, 0, 5, expectedDx, 0);
        assertThat(cpu.quantizedMatmulGradInput(cpu.fromArray(dys, 5, 12), w).toArray()).containsExactly(expectedDx);
    }

    @Test
    void rejectsWrongFeatureCounts() {
        PackedInt8 k = QuantMatmulTest.randomInt8(4, 16, 16, 1);
        assertThatThrownBy(() -> cpu.quantizedMatmul(cpu.zeros(2, 15), k)).hasMessageContaining("does not end in 16 features");
        assertThatThrownBy(() -> cpu.quantizedMatmulGradInput(cpu.zeros(2, 16), k)).hasMessageContaining("does not end in 4 features");
    }

    @Test
    void aWeightOfAnotherBackendIsAnErrorNamingBoth() {
        Backend other = namedOnly("elsewhere");
        QuantizedWeight foreign = new QuantizedWeight() {
            @Override public int rows() { return 4; }
            @Override public int cols() { return 16; }
            @Override public Backend backend() { return other; }
        };
        assertThatThrownBy(() -> cpu.quantizedMatmul(cpu.zeros(2, 16), foreign))
                .hasMessageContaining("lives on elsewhere").hasMessageContaining("runs on cpu");
    }

    /** A backend that only has a name: enough to stand for "some other device" in error messages. */
    static Backend namedOnly(String name) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("name")) return name;
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
