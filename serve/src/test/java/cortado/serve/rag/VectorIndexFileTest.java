package cortado.serve.rag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write, read back, search the same; every kind of damage is refused with the file named. */
class VectorIndexFileTest {
    @TempDir Path tmp;

    @Test
    void roundTripsFlatAndHnswIndexesOfEveryStorage() throws Exception {
        float[][] all = HnswIndexTest.mixture(520, 24, 10, 11), base = HnswIndexTest.head(all, 500),
                queries = HnswIndexTest.tail(all, 500);
        for (boolean int8 : new boolean[] {false, true}) {
            for (VectorIndex index : new VectorIndex[] {new FlatIndex(24, Metric.COSINE, int8),
                    new HnswIndex(24, Metric.L2, int8, new HnswConfig(6, 20, 10, 3))}) {
                for (float[] v : base) index.add(v);
                Path file = tmp.resolve("i.cvi");
                VectorIndexFile.write(index, file);
                VectorIndex back = VectorIndexFile.read(file);
                assertThat(back.getClass()).isEqualTo(index.getClass());
                assertThat(back.size()).isEqualTo(500);
                assertThat(back.metric()).isEqualTo(index.metric());
                assertThat(back.store().quantized()).isEqualTo(int8);
                for (float[] q : queries) assertSameHits(back.search(q, 5), index.search(q, 5));
                for (int id = 0; id < 500; id += 37) assertThat(back.store().vector(id)).isEqualTo(index.store().vector(id));
                if (index instanceof HnswIndex h) {
                    HnswIndex hb = (HnswIndex) back;
                    assertThat(hb.config()).isEqualTo(h.config());
                    float[] extra = queries[0];   // adding after a reload links as adding before would
                    h.add(extra);
                    hb.add(extra);
                    for (float[] q : queries) assertSameHits(hb.search(q, 5), h.search(q, 5));
                }
                try (var files = Files.list(tmp)) {
                    assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("i.cvi");
                }
            }
        }
    }

    @Test
    void refusesDamagedFilesNamingThem() throws Exception {
        HnswIndex index = new HnswIndex(8, Metric.COSINE, false, new HnswConfig(4, 10, 10, 1));
        for (float[] v : HnswIndexTest.mixture(50, 8, 4, 1)) index.add(v);
        Path file = tmp.resolve("good.cvi");
        VectorIndexFile.write(index, file);
        byte[] good = Files.readAllBytes(file);

        assertThatThrownBy(() -> VectorIndexFile.read(tmp.resolve("none.cvi")))
                .isInstanceOf(IndexFileException.class).hasMessageContaining("none.cvi: missing");
        Path cut = write("cut.cvi", java.util.Arrays.copyOf(good, good.length - 100));
        assertThatThrownBy(() -> VectorIndexFile.read(cut)).hasMessageContaining("cut.cvi: checksum mismatch");
        byte[] flipped = good.clone();
        flipped[200] ^= 1;
        Path bit = write("bit.cvi", flipped);
        assertThatThrownBy(() -> VectorIndexFile.read(bit)).hasMessageContaining("bit.cvi: checksum mismatch");
        Path text = write("text.cvi", "{\"not\": \"an index\"} and some more bytes to pass the size".getBytes());
        assertThatThrownBy(() -> VectorIndexFile.read(text)).hasMessageContaining("not a Cortado vector index");
        byte[] tiny = write("tiny.cvi", new byte[5]).toString().getBytes();
        assertThatThrownBy(() -> VectorIndexFile.read(tmp.resolve("tiny.cvi"))).hasMessageContaining("only 5 bytes");

        // Damage with a valid checksum (as a writer bug would make): the fields are checked one by one.
        byte[] version = good.clone();
        ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        assertThatThrownBy(() -> VectorIndexFile.read(write("v.cvi", resealed(version))))
                .hasMessageContaining("v.cvi: byte 12, version: version 2 (this build reads 1)");
        byte[] metric = good.clone();
        metric[13] = 7;
        assertThatThrownBy(() -> VectorIndexFile.read(write("m.cvi", resealed(metric))))
                .hasMessageContaining("metric: metric 7");
        byte[] count = good.clone();
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 5000);
        assertThatThrownBy(() -> VectorIndexFile.read(write("c.cvi", resealed(count))))
                .hasMessageContaining("vectors: 5000 vectors of 8 need");
        // the first link of node 0: after the header (24), 50 x 8 floats, the HNSW settings (32) and node 0's level
        // and link count
        int firstLink = 24 + 50 * 8 * 4 + 32 + 4 + 4;
        byte[] link = good.clone();
        ByteBuffer.wrap(link).order(ByteOrder.LITTLE_ENDIAN).putInt(firstLink, 999);
        assertThatThrownBy(() -> VectorIndexFile.read(write("l.cvi", resealed(link))))
                .hasMessageContaining("links of node 0 on layer 0: neighbour id 999");
    }

    /**
     * The same ids, scores within 1e-6 relative (float32 sums of 24 terms): the SIMD sums of a score may be ordered differently by the interpreter and the
     * JIT-compiled kernel, so the same search can differ in the last bit.
     */
    private static void assertSameHits(java.util.List<SearchHit> got, java.util.List<SearchHit> expected) {
        assertThat(got).extracting(SearchHit::id).isEqualTo(expected.stream().map(SearchHit::id).toList());
        for (int i = 0; i < got.size(); i++)
            assertThat(got.get(i).score()).isCloseTo(expected.get(i).score(),
                    org.assertj.core.data.Offset.offset(1e-6f * Math.max(1, Math.abs(expected.get(i).score()))));
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** The bytes with their trailing CRC32 recomputed. */
    private static byte[] resealed(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }
}
