package cortado.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The caching allocator's size classes, reuse and out-of-memory path, over a fake device of fixed capacity. */
class DeviceMemoryTest {
    /** A device of {@code capacity} bytes handing out increasing addresses. */
    static final class FakeDevice implements DeviceMemory.Raw {
        final long capacity;
        long used, next = 1 << 20;
        final Set<Long> live = new HashSet<>();
        final List<Long> sizes = new ArrayList<>();
        int mallocs, frees;
        final java.util.Map<Long, Long> sizeOf = new java.util.HashMap<>();

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override public long mallocOrZero(long bytes) {
            if (used + bytes > capacity) return 0;
            mallocs++;
            used += bytes;
            long p = next;
            next += bytes;
            live.add(p);
            sizeOf.put(p, bytes);
            return p;
        }

        @Override public void free(long pointer) {
            assertThat(live.remove(pointer)).as("free of a live block").isTrue();
            used -= sizeOf.remove(pointer);
            frees++;
        }
    }

    @Test
    void sizeClassesArePowersOfTwoThenMultiplesOfTwoMegabytes() {
        assertThat(DeviceMemory.sizeClass(0)).isEqualTo(512);
        assertThat(DeviceMemory.sizeClass(4)).isEqualTo(512);
        assertThat(DeviceMemory.sizeClass(513)).isEqualTo(1024);
        assertThat(DeviceMemory.sizeClass(1024)).isEqualTo(1024);
        assertThat(DeviceMemory.sizeClass(1 << 20)).isEqualTo(1 << 20);
        assertThat(DeviceMemory.sizeClass((1 << 20) + 1)).isEqualTo(2L << 20);
        assertThat(DeviceMemory.sizeClass(5L << 20)).isEqualTo(6L << 20);
    }

    @Test
    void aGivenBackBlockIsReusedForTheSameClassWithoutAnotherMalloc() {
        FakeDevice dev = new FakeDevice(1L << 30);
        DeviceMemory mem = new DeviceMemory(dev);
        long a = mem.allocate(3000);
        mem.give(a, DeviceMemory.sizeClass(3000));
        assertThat(mem.cachedBytes()).isEqualTo(4096);
        long b = mem.allocate(4000);          // same class (4096)
        assertThat(b).isEqualTo(a);
        assertThat(dev.mallocs).isEqualTo(1);
        long c = mem.allocate(100);           // another class: a new block
        assertThat(c).isNotEqualTo(a);
        assertThat(dev.mallocs).isEqualTo(2);
        assertThat(mem.liveBytes()).isEqualTo(4096 + 512);
    }

    @Test
    void whenTheDeviceIsFullTheCacheIsFreedAndTheRequestRetried() {
        FakeDevice dev = new FakeDevice(8L << 20);
        DeviceMemory mem = new DeviceMemory(dev);
        long a = mem.allocate(6L << 20);
        mem.give(a, 6L << 20);                // cached, still held on the device
        long b = mem.allocate(4L << 20);      // does not fit beside the cached 6 MiB: cache freed, then fits
        assertThat(dev.frees).isEqualTo(1);
        assertThat(dev.live).containsExactly(b);
        assertThat(mem.cachedBytes()).isZero();
    }

    @Test
    void aRequestBeyondTheDeviceFailsNamingTheSizes() {
        DeviceMemory mem = new DeviceMemory(new FakeDevice(4L << 20));
        mem.allocate(2L << 20);
        assertThatThrownBy(() -> mem.allocate(3L << 20)).isInstanceOf(DeviceMemory.OutOfDeviceMemory.class)
                .hasMessageContaining("4194304 bytes asked").hasMessageContaining("2097152 bytes in live tensors");
    }
}
