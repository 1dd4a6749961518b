package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Storage;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** An operation given tensors of two backends fails with a message naming both, whichever argument is foreign. */
class MixedBackendsTest {
    private final Backend cpu = Backends.cpu();

    /** A [2, 2] tensor whose storage says it lives on a backend called "elsewhere". */
    private static Tensor elsewhere() {
        Backend other = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("name")) return "elsewhere";
                    throw new UnsupportedOperationException(method.getName());
                });
        Storage s = new Storage() {
            @Override public MemorySegment segment() { throw new UnsupportedOperationException(); }
            @Override public long length() { return 4; }
            @Override public Backend backend() { return other; }
        };
        return new Tensor(s, new int[] {2, 2}, new int[] {2, 1}, 0);
    }

    @Test
    void binaryOpsNameBothBackends() {
        Tensor a = cpu.zeros(2, 2), b = elsewhere();
        assertThatThrownBy(() -> cpu.add(a, b)).hasMessageContaining("add").hasMessageContaining("lives on elsewhere")
                .hasMessageContaining("runs on cpu");
        assertThatThrownBy(() -> cpu.matmul(b, a, false, false)).hasMessageContaining("matmul")
                .hasMessageContaining("elsewhere").hasMessageContaining("cpu");
        assertThatThrownBy(() -> cpu.axpyInPlace(a, 1f, b)).hasMessageContaining("axpyInPlace");
        assertThatThrownBy(() -> cpu.copyInto(a, b)).hasMessageContaining("copyInto");
        assertThatThrownBy(() -> cpu.adamwInPlace(a, a, a, b, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1))
                .hasMessageContaining("adamwInPlace");
    }

    @Test
    void unaryOpsAndTransfersNameBothToo() {
        Tensor b = elsewhere();
        assertThatThrownBy(() -> cpu.copy(b)).hasMessageContaining("elsewhere").hasMessageContaining("cpu");
        assertThatThrownBy(() -> cpu.readHost(b, (x, o, n) -> { })).hasMessageContaining("elsewhere");
        assertThatThrownBy(() -> cpu.exp(b)).hasMessageContaining("elsewhere").hasMessageContaining("CPU");
    }
}
