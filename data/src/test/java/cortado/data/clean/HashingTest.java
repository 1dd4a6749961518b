package cortado.data.clean;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HashingTest {
    /** Bytes of (h1, h2) little-endian, the layout of the reference C code's output and Python mmh3.hash_bytes. */
    private static String hex(long[] h) {
        return HexFormat.of().formatHex(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(h[0]).putLong(h[1]).array());
    }

    private static long[] mm(byte[] b, long seed) { return Hashing.murmur3x64_128(b, 0, b.length, seed); }

    @Test
    void murmur3MatchesTheReferenceImplementation() {
        // Expected values from Python's mmh3 (a binding of Appleby's MurmurHash3.cpp): mmh3.hash_bytes(s, 0).hex()
        assertThat(hex(mm(new byte[0], 0))).isEqualTo("00000000000000000000000000000000");
        assertThat(hex(mm("hello".getBytes(StandardCharsets.UTF_8), 0))).isEqualTo("029bbd41b3a7d8cb191dae486a901e5b");
        assertThat(hex(mm("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8), 0)))
                .isEqualTo("6c1b07bc7bbc4be347939ac4a93c437a");
        byte[] r = new byte[37];
        for (int i = 0; i < r.length; i++) r[i] = (byte) i;
        assertThat(hex(mm(r, 0))).isEqualTo("20d802dd5ead7451b0cd03c799538480"); // two blocks and a 5-byte tail
        // mmh3.hash64(s, 0x5eed, signed=True): the seed the exact deduplicator uses
        assertThat(mm(new byte[0], 0x5eed)).containsExactly(-945804495007400025L, -6310597448786575395L);
        assertThat(mm("hello".getBytes(StandardCharsets.UTF_8), 0x5eed)).containsExactly(-9171597575193941226L, 8982337637382678137L);
    }
}
