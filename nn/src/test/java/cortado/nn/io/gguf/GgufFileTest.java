package cortado.nn.io.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.io.CheckpointException;
import cortado.tensor.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF reader and writer: values round trip, and malformed headers fail naming the field, never allocating. */
class GgufFileTest {
    @TempDir Path dir;

    /** One F32 tensor "t" [2, 32] and no metadata: the record fields then sit at fixed offsets (see {@link #at}). */
    private Path oneTensor() {
        Path p = dir.resolve("one.gguf");
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) v[i] = i;
        ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        new GgufWriter().tensor("t", new int[] {2, 32}, GgmlType.F32, () -> b.array()).write(p);
        return p;
    }

    // header: magic 0, version 4, tensor_count 8, kv_count 16; record: name length 24, name 32, n_dims 33,
    // ne 37 and 45, type 53, offset 57; data from 96 (65 rounded up to 32).
    private static void at(Path p, int offset, long value, int bytes) throws IOException {
        byte[] a = Files.readAllBytes(p);
        for (int i = 0; i < bytes; i++) a[offset + i] = (byte) (value >>> 8 * i);
        Files.write(p, a);
    }

    private static String error(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            return "opened";
        } catch (CheckpointException e) {
            return e.getMessage();
        }
    }

    @Test
    void writesAndReadsBackMetadataAndAlignedTensors() {
        Path p = dir.resolve("m.gguf");
        byte[] q = new byte[2 * 34];
        for (int i = 0; i < q.length; i++) q[i] = (byte) i;
        new GgufWriter().string("general.architecture", "llama").u32("llama.block_count", 3).i32("x.neg", -5)
                .f32("x.eps", 1e-5).bool("x.flag", true).strings("x.list", List.of("a", "Ġb"))
                .i32s("x.ints", new int[] {1, -2}).f32s("x.floats", new float[] {0.5f})
                .tensor("w", new int[] {2, 32}, GgmlType.Q8_0, () -> q)
                .tensor("v", new int[] {3}, GgmlType.F32, () -> new byte[12]).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.metadata()).containsEntry("general.architecture", "llama").containsEntry("llama.block_count", 3L)
                    .containsEntry("x.neg", -5L).containsEntry("x.eps", (double) 1e-5f).containsEntry("x.flag", true)
                    .containsEntry("x.list", List.of("a", "Ġb")).containsEntry("x.ints", List.of(1L, -2L))
                    .containsEntry("x.floats", List.of(0.5));
            GgufTensorInfo w = f.tensors().get("w"), v = f.tensors().get("v");
            assertThat(w.shape()).containsExactly(2, 32);
            assertThat(w.type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.bytes(w)).isEqualTo(q);
            assertThat(v.offset()).isEqualTo(96);   // 68 bytes of w, padded to 32
        }
    }

    @Test
    void badMagicAndVersion() throws IOException {
        Path p = oneTensor();
        at(p, 0, 0x46554746L, 4);
        assertThat(error(p)).contains("bad magic 0x46554746");
        p = oneTensor();
        at(p, 4, 4, 4);
        assertThat(error(p)).contains("unsupported GGUF version 4");
        Files.write(dir.resolve("short.gguf"), new byte[] {'G', 'G', 'U', 'F'});
        assertThat(error(dir.resolve("short.gguf"))).contains("too short");
    }

    @Test
    void lyingCountsAndLengthsAreBoundedByTheFile() throws IOException {
        Path p = oneTensor();
        at(p, 8, Long.MAX_VALUE, 8);
        assertThat(error(p)).contains("tensor_count = 9223372036854775807 is more than");
        p = oneTensor();
        at(p, 16, 1L << 40, 8);
        assertThat(error(p)).contains("metadata_kv_count = 1099511627776 is more than");
        p = oneTensor();
        at(p, 24, -1L, 8);   // a name of 2^64 - 1 bytes
        assertThat(error(p)).contains("truncated: name of tensor 0 needs 18446744073709551615 bytes");
        p = oneTensor();
        at(p, 45, 1L << 30, 8);   // ne[1]: far more rows than the file holds
        assertThat(error(p)).contains("runs past the end of the file");
        p = oneTensor();
        at(p, 37, -5L, 8);
        assertThat(error(p)).contains("ne[0] = 18446744073709551611 is out of range");
        p = oneTensor();
        byte[] a = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(a, a.length - 1));
        assertThat(error(p)).contains("tensor 't' (F32 [2, 32], 256 bytes at data offset 0) runs past the end");
    }

    @Test
    void unsupportedTypesDimensionsAndOffsets() throws IOException {
        Path p = oneTensor();
        at(p, 53, 11, 4);  // Q3_K
        assertThat(error(p)).contains("tensor 't' has ggml type 11, which Cortado does not read");
        p = oneTensor();
        at(p, 33, 5, 4);
        assertThat(error(p)).contains("tensor 't' has 5 dimensions");
        p = oneTensor();
        at(p, 57, 8, 8);
        assertThat(error(p)).contains("offset 8 is not a multiple of the alignment 32");
        p = oneTensor();
        at(p, 53, GgmlType.Q8_0.id, 4);
        at(p, 37, 48, 8);   // 48 values are not whole blocks of 32
        assertThat(error(p)).contains("rows of 48 values are not whole Q8_0 blocks of 32");
    }

    @Test
    void unknownMetadataValueType() throws IOException {
        Path p = dir.resolve("kv.gguf");
        new GgufWriter().u32("a", 1).write(p);
        at(p, 24 + 8 + 1, 13, 4);   // the value type after the key "a"
        assertThat(error(p)).contains("metadata 'a' has unknown value type 13");
    }
}
