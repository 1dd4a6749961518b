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
    void opsNameBothBackendsWhicheverArgumentIsForeign() {
        Tensor a = cpu.zeros(2, 2), b = elsewhere();
        for (Runnable op : new Runnable[] {
                () -> cpu.add(a, b), () -> cpu.add(b, a), () -> cpu.matmul(b, a, false, false),
                () -> cpu.axpyInPlace(a, 1f, b), () -> cpu.copyInto(a, b), () -> cpu.copy(b), () -> cpu.exp(b),
                () -> cpu.adamwInPlace(a, a, a, b, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1),
                () -> cpu.layerNorm(a, cpu.full(1f, 2), b.select(0), 1e-5f)})
            assertThatThrownBy(op::run).hasMessageContaining("lives on elsewhere").hasMessageContaining("runs on cpu");
    }

    @Test
    void hostTransfersNameTheOperationToo() {
        Tensor b = elsewhere();
        assertThatThrownBy(() -> cpu.readHost(b, (x, o, n) -> { })).hasMessageStartingWith("readHost: ")
                .hasMessageContaining("lives on elsewhere").hasMessageContaining("runs on cpu");
        assertThatThrownBy(() -> cpu.writeHost(b, (x, o, n) -> { })).hasMessageStartingWith("writeHost: ");
    }
}
