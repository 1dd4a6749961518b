package cortado.nn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("z.weight", Tensor.of(new float[] {1f, -2.5f, 3.25f, 1e-3f, 65504f, -0f}, 2, 3));
        m.put("a.bias", Tensor.of(new float[] {0.1f, 0.2f, Float.MIN_NORMAL}, 3));
        m.put("scalar", Tensor.scalar(7f));
        m.put("empty", Tensor.zeros(0, 4));
        return m;
    }

    @Test
    void f32RoundTripIsBitExactAndLayoutMatchesTheReferenceWriter() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, sample(), Map.of("format", "pt"), DType.F32);
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        // Names sorted, metadata first, offsets contiguous from 0, padding with spaces.
        assertThat(header.stripTrailing()).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[12,12]},"
                + "\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[12,16]},"
                + "\"z.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[16,40]}}");
        assertThat(bytes.length).isEqualTo(8 + n + 40);
        try (SafetensorsFile sf = Safetensors.read(f)) {
            assertThat(sf.metadata()).containsEntry("format", "pt");
            assertThat(sf.names()).containsExactly("a.bias", "empty", "scalar", "z.weight");
            for (Map.Entry<String, Tensor> e : sample().entrySet()) {
                Tensor t = sf.toFloatTensor(e.getKey());
                assertThat(t.shape()).isEqualTo(e.getValue().shape());
                assertThat(bits(t.toArray())).isEqualTo(bits(e.getValue().toArray()));
            }
        }
        try (var s = Files.list(dir)) { assertThat(s).containsExactly(f); } // no temp file left behind
    }

    @Test
    void halfAndBfloatWritesRoundToNearestEven() {
        float[] v = {1f, -2.5f, 3.14159f, 1e-3f, 65504f, 1.00390625f};
        for (DType dt : new DType[] {DType.F16, DType.BF16}) {
            Path f = dir.resolve(dt + ".safetensors");
            Safetensors.write(f, Map.of("x", Tensor.of(v.clone(), 6)), null, dt);
            try (SafetensorsFile sf = Safetensors.read(f)) {
                assertThat(sf.dtype("x").name()).isEqualTo(dt.name());
                assertThat(sf.metadata()).isEmpty();
                float[] back = sf.toFloatTensor("x").toArray();
                for (int i = 0; i < v.length; i++) {
                    float expect = dt == DType.F16 ? DType.f16ToF32(DType.f32ToF16(v[i])) : DType.bf16ToF32(DType.f32ToBf16(v[i]));
                    assertThat(back[i]).isEqualTo(expect);
                }
                if (dt == DType.BF16) assertThat(back[5]).isEqualTo(1f); // tie rounds to even
            }
        }
    }

    @Test
    void nonContiguousTensorsAreWrittenInLogicalOrder() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, Map.of("t", t));
        assertThat(Safetensors.load(f).get("t").toArray()).containsExactly(1, 4, 2, 5, 3, 6);
    }

    @Test
    void readsEveryIntegerAndFloatDtype() throws IOException {
        // dtype, shape [2], two little-endian values
        ByteBuffer d = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder h = new StringBuilder("{");
        record E(String dtype, int size) {}
        int off = 0;
        E[] es = {new E("F64", 8), new E("I64", 8), new E("U64", 8), new E("I32", 4), new E("U32", 4), new E("I16", 2),
                new E("U16", 2), new E("I8", 1), new E("U8", 1), new E("BOOL", 1), new E("F8_E4M3", 1), new E("F8_E5M2", 1)};
        for (E e : es) {
            if (h.length() > 1) h.append(',');
            h.append('"').append(e.dtype).append("\":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[2],\"data_offsets\":[")
                    .append(off).append(',').append(off + 2 * e.size).append("]}");
            off += 2 * e.size;
        }
        h.append('}');
        d.putDouble(-1.5).putDouble(2e300);
        d.putLong(-3).putLong(1L << 40);
        d.putLong(-1L).putLong(5);            // U64 max, 5
        d.putInt(-7).putInt(123456);
        d.putInt(-1).putInt(9);               // U32 max
        d.putShort((short) -300).putShort((short) 300);
        d.putShort((short) -1).putShort((short) 2); // U16 65535
        d.put((byte) -128).put((byte) 127);
        d.put((byte) 255).put((byte) 0);
        d.put((byte) 1).put((byte) 0);
        d.put((byte) 0x38).put((byte) 0xFE);  // E4M3: 1.0 and -448
        d.put((byte) 0x3C).put((byte) 0xC2);  // E5M2: 1.0 and -3.0
        Path f = writeRaw(h.toString(), java.util.Arrays.copyOf(d.array(), d.position()));
        Map<String, Tensor> m = Safetensors.load(f);
        assertThat(m.get("F64").toArray()).containsExactly(-1.5f, Float.POSITIVE_INFINITY);
        assertThat(m.get("I64").toArray()).containsExactly(-3f, (float) (1L << 40));
        assertThat(m.get("U64").toArray()).containsExactly(1.8446744e19f, 5f);
        assertThat(m.get("I32").toArray()).containsExactly(-7f, 123456f);
        assertThat(m.get("U32").toArray()).containsExactly(4.2949673e9f, 9f);
        assertThat(m.get("I16").toArray()).containsExactly(-300f, 300f);
        assertThat(m.get("U16").toArray()).containsExactly(65535f, 2f);
        assertThat(m.get("I8").toArray()).containsExactly(-128f, 127f);
        assertThat(m.get("U8").toArray()).containsExactly(255f, 0f);
        assertThat(m.get("BOOL").toArray()).containsExactly(1f, 0f);
        assertThat(m.get("F8_E4M3").toArray()).containsExactly(1f, -448f);
        assertThat(m.get("F8_E5M2").toArray()).containsExactly(1f, -3f);
    }

    @Test
    void e4m3CoversSubnormalsAndNan() {
        assertThat(SafetensorsDtype.e4m3ToF32((byte) 0x01)).isEqualTo(Math.scalb(1f, -9));
        assertThat(SafetensorsDtype.e4m3ToF32((byte) 0x7F)).isNaN();
        assertThat(SafetensorsDtype.e4m3ToF32((byte) 0x7E)).isEqualTo(448f);
        assertThat(SafetensorsDtype.e4m3ToF32((byte) 0x80)).isEqualTo(-0f);
    }

    // ---- corrupt files: one clear message naming the file and the problem ----

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.safetensors");
        assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessage(f + ": no such file");
    }

    @Test
    void shorterThanEightBytes() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessage(f + ": file is 3 bytes, shorter than the 8-byte header length (truncated?)");
        Files.write(f, new byte[0]);
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining("file is 0 bytes");
    }

    @Test
    void lyingHeaderLengthNeverAllocates() throws IOException {
        Path f = dir.resolve("lie.safetensors");
        for (long lie : new long[] {1L << 40, -1L, 1000}) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(lie).put("{}      ".getBytes());
            Files.write(f, b.array());
            assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(CheckpointException.class)
                    .hasMessageStartingWith(f + ": header length " + Long.toUnsignedString(lie) + " is larger than the file (16 bytes)");
        }
    }

    @Test
    void truncatedDataSection() throws IOException {
        Path f = dir.resolve("trunc.safetensors");
        Safetensors.write(f, sample());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 5));
        assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(f + ": tensor 'z.weight': data_offsets [16, 40] out of range: the data section holds 35 bytes");
    }

    @Test
    void invalidJson() throws IOException {
        assertThatThrownBy(() -> Safetensors.read(writeRaw("{\"a\": {\"dtype\": ", new byte[0])))
                .isInstanceOf(CheckpointException.class).hasMessageContaining(": invalid JSON header: ");
        assertThatThrownBy(() -> Safetensors.read(writeRaw("[1,2]", new byte[0])))
                .hasMessageContaining(": invalid JSON header: expected a JSON object");
        Path f = dir.resolve("utf.safetensors");
        Files.write(f, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(4)
                .put(new byte[] {'{', (byte) 0xC3, '}', ' '}).array());
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessage(f + ": invalid JSON header: not valid UTF-8");
    }

    @Test
    void unknownAndUnsupportedDtype() throws IOException {
        Path f = writeRaw("{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessage(f + ": tensor 'w': unknown dtype 'F12'");
        Path g = writeRaw("{\"w\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", new byte[1]);
        assertThatThrownBy(() -> Safetensors.read(g)).hasMessage(g + ": tensor 'w': unsupported dtype 'F4'");
    }

    @Test
    void shapeByteSizeMismatch() throws IOException {
        Path f = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        assertThatThrownBy(() -> Safetensors.read(f))
                .hasMessage(f + ": tensor 'w': shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] hold 20");
        Path g = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.read(g)).hasMessageContaining("not a non-negative integer");
        Path h = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.read(h)).hasMessageContaining("is too large");
    }

    @Test
    void offsetsOutOfRangeOverlappingOrWithGaps() throws IOException {
        Path f = writeRaw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessageContaining(f + ": tensor 'w': data_offsets [8, 16] out of range");
        Path g = writeRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertThatThrownBy(() -> Safetensors.read(g)).hasMessage(g + ": tensors 'a' [0, 8) and 'b' [4, 12) overlap");
        Path h = writeRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", new byte[20]);
        assertThatThrownBy(() -> Safetensors.read(h))
                .hasMessage(h + ": offsets are not contiguous: 4 unused bytes before tensor 'b' at offset 12");
        Path i = writeRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[12]);
        assertThatThrownBy(() -> Safetensors.read(i)).hasMessage(i + ": data section holds 12 bytes but the tensors cover 8 (4 trailing bytes)");
        Path j = writeRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.read(j)).hasMessage(j + ": tensor 'a': invalid data_offsets [8, 0]");
    }

    @Test
    void duplicateNames() throws IOException {
        Path f = writeRaw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessage(f + ": duplicate tensor name 'a' in header");
        // nested keys named like top-level ones are not duplicates; escaped quotes are handled
        assertThat(SafetensorsHeader.firstDuplicateTopLevelKey("{\"dtype\":{\"dtype\":1},\"x\\\"y\":[\"x\\\"y\"]}")).isNull();
        assertThat(SafetensorsHeader.firstDuplicateTopLevelKey("{\"x\\u0041\":1,\"xA\":2}")).isEqualTo("xA");
    }

    @Test
    void badMetadata() throws IOException {
        Path f = writeRaw("{\"__metadata__\":{\"format\":3}}", new byte[0]);
        assertThatThrownBy(() -> Safetensors.read(f)).hasMessage(f + ": __metadata__ value for 'format' is not a string");
    }

    @Test
    void writeReplacesAnExistingFileAtomically() throws IOException {
        Path f = dir.resolve("m.safetensors");
        Files.writeString(f, "old contents");
        Safetensors.write(f, Map.of("x", Tensor.of(new float[] {4f}, 1)));
        assertThat(Safetensors.load(f).get("x").item()).isEqualTo(4f);
        try (var s = Files.list(dir)) { assertThat(s).containsExactly(f); }
    }

    private Path writeRaw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = Files.createTempFile(dir, "raw", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Float.floatToRawIntBits(a[i]);
        return out;
    }
}
