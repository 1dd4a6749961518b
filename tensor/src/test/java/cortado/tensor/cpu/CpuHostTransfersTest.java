package cortado.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The creation and host-transfer operations of the CPU backend, on contiguous tensors and on strided views. */
class CpuHostTransfersTest {
    private final Backend cpu = Backends.cpu();

    /** [[0, 1, 2], [3, 4, 5]] transposed: a non-contiguous [3, 2] view whose row-major order is 0 3 1 4 2 5. */
    private Tensor transposedView() {
        return cpu.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 2, 3).transpose(0, 1);
    }

    @Test
    void createsOnItself() {
        Tensor z = cpu.zeros(2, 3), f = cpu.full(1.5f, 4), s = cpu.scalar(7f);
        assertThat(z.backend()).isSameAs(cpu);
        assertThat(z.toArray()).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(f.toArray()).containsExactly(1.5f, 1.5f, 1.5f, 1.5f);
        assertThat(s.rank()).isZero();
        assertThat(s.item()).isEqualTo(7f);
        assertThat(z.zerosLike().backend()).isSameAs(cpu);
        assertThatThrownBy(() -> cpu.fromArray(new float[5], 2, 3)).hasMessageContaining("needs 6 elements");
    }

    @Test
    void readHostLendsRowMajorElementsOfAView() {
        float[][] seen = new float[1][];
        cpu.readHost(transposedView(), (a, off, n) -> seen[0] = java.util.Arrays.copyOfRange(a, off, off + n));
        assertThat(seen[0]).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(transposedView().toArray()).containsExactly(0, 3, 1, 4, 2, 5);
    }

    @Test
    void readHostOfAContiguousSliceLendsItsOwnArray() {
        Tensor base = cpu.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 6);
        Tensor tail = base.slice(0, 2, 6);
        cpu.readHost(tail, (a, off, n) -> {
            assertThat(a).isSameAs(base.data());   // no copy
            assertThat(off).isEqualTo(2);
            assertThat(n).isEqualTo(4);
        });
    }

    @Test
    void writeHostStoresRowMajorElementsIntoAView() {
        Tensor base = cpu.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor view = base.transpose(0, 1);   // [3, 2]
        cpu.writeHost(view, (a, off, n) -> { for (int i = 0; i < n; i++) a[off + i] = 10 + i; });
        // view row-major 10..15 lands at base positions (0,0) (1,0) (0,1) (1,1) (0,2) (1,2)
        assertThat(base.toArray()).containsExactly(10, 12, 14, 11, 13, 15);
        cpu.copyFromHost(view, new float[] {9, 0, 1, 2, 3, 4, 5}, 1);
        assertThat(base.toArray()).containsExactly(0, 2, 4, 1, 3, 5);
        assertThatThrownBy(() -> cpu.copyFromHost(view, new float[5], 0)).hasMessageContaining("needs 6 elements");
    }

    @Test
    void elementAccessGoesThroughTheBackend() {
        Tensor v = transposedView();
        assertThat(v.get(2, 1)).isEqualTo(5f);
        v.set(-1f, 2, 1);
        assertThat(v.get(2, 1)).isEqualTo(-1f);
        assertThat(v.toArray()).containsExactly(0, 3, 1, 4, 2, -1);
        assertThatThrownBy(() -> cpu.zeros(2, 2).item()).hasMessageContaining("4 elements");
    }

    @Test
    void transferToTheSameBackendIsTheTensorItself() {
        Tensor t = cpu.zeros(3);
        assertThat(t.to(cpu)).isSameAs(t);
    }
}
