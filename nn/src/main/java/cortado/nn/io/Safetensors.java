package cortado.nn.io;

import cortado.data.json.Json;
import cortado.tensor.DType;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format (github.com/huggingface/safetensors): an 8-byte little-endian header
 * length, a JSON header, then the raw little-endian tensor bytes. Reading maps the file and validates the header
 * before touching any tensor; writing produces the same layout as the reference writer (names sorted, header padded
 * with spaces to a multiple of 8 bytes so the data section is 8-byte aligned) and replaces the target atomically.
 */
public final class Safetensors {
    private Safetensors() {}

    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Maps {@code file} and validates its header. The caller closes the result. Errors are {@link
     * CheckpointException}s naming the file and the problem; nothing is allocated from an unchecked length.
     */
    public static SafetensorsFile read(Path file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment all;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            long size = all.byteSize();
            if (size < 8)
                throw CheckpointException.at(file, "file is " + size + " bytes, shorter than the 8-byte header length (truncated?)");
            long n = all.get(U64_LE, 0);
            if (n < 0 || n > size - 8)
                throw CheckpointException.at(file, "header length " + Long.toUnsignedString(n) + " is larger than the file ("
                        + size + " bytes): truncated or not a safetensors file");
            if (n > SafetensorsHeader.MAX_HEADER_BYTES)
                throw CheckpointException.at(file, "header length " + n + " exceeds the " + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit");
            String json = decodeUtf8(file, all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE));
            MemorySegment data = all.asSlice(8 + n);
            SafetensorsHeader header = SafetensorsHeader.parse(file, json, data.byteSize());
            return new SafetensorsFile(file, arena, data, 8 + n, header);
        } catch (NoSuchFileException e) {
            arena.close();
            throw CheckpointException.at(file, "no such file", e);
        } catch (IOException e) {
            arena.close();
            throw CheckpointException.at(file, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static String decodeUtf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw CheckpointException.at(file, "invalid JSON header: not valid UTF-8");
        }
    }

    /** Reads every tensor of {@code file} into float32 CPU tensors, by name (header order). */
    public static Map<String, Tensor> load(Path file) {
        try (SafetensorsFile f = read(file)) {
            Map<String, Tensor> out = new java.util.LinkedHashMap<>();
            for (String name : f.names()) out.put(name, f.toFloatTensor(name));
            return out;
        }
    }

    private static final int WRITE_CHUNK_FLOATS = 1 << 18;

    private static void writeFully(FileChannel ch, MemorySegment bytes) throws IOException {
        java.nio.ByteBuffer b = bytes.asByteBuffer();
        while (b.hasRemaining()) ch.write(b);
    }

    /** {@link #write(Path, Map, Map, DType)} in float32 without metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) { write(file, tensors, null, DType.F32); }

    /**
     * Writes {@code tensors} converted to {@code dtype} (F32, F16, BF16 or F64) with optional string metadata. The
     * file appears atomically: it is written to a temporary file in the same directory, forced to disk and renamed.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
        write(file, tensors, Map.of(), metadata, dtype);
    }

    /**
     * As {@link #write(Path, Map, Map, DType)}, with 16-bit weights besides the tensors: when {@code dtype} is their
     * own, their bits are written unchanged (a model loaded in bf16 saves the same bytes); otherwise they are widened
     * and converted like the tensors.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, HalfEntry> halves,
                             Map<String, String> metadata, DType dtype) {
        for (String name : halves.keySet())
            if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' given twice");
        SafetensorsDtype st = SafetensorsDtype.of(dtype);
        if (st != SafetensorsDtype.F32 && st != SafetensorsDtype.F16 && st != SafetensorsDtype.BF16 && st != SafetensorsDtype.F64)
            throw new IllegalArgumentException("safetensors write supports F32, F16, BF16 and F64, not " + dtype);
        // The reference writer orders tensors by dtype alignment, then name; with one dtype that is by name.
        TreeMap<String, Object> sorted = new TreeMap<>(tensors);
        sorted.putAll(halves);
        if (sorted.containsKey("__metadata__")) throw new IllegalArgumentException("'__metadata__' is not a tensor name");

        StringBuilder h = new StringBuilder("{");
        if (metadata != null) {
            h.append("\"__metadata__\":");
            Json.write(h, new TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            long numel = e.getValue() instanceof Tensor t ? t.numel() : ((HalfEntry) e.getValue()).numel();
            int[] shape = e.getValue() instanceof Tensor t ? t.shape() : ((HalfEntry) e.getValue()).shape();
            long bytes = numel * st.byteSize();
            if (h.length() > 1) h.append(',');
            Json.quote(h, e.getKey());
            h.append(":{\"dtype\":\"").append(st.name()).append("\",\"shape\":")
                    .append(Arrays.toString(shape).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        h.append('}');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        long total = 8 + padded + offset;

        try {
            // Written through a small buffer rather than a mapping: dirty mapped pages of a multi-gigabyte file
            // would count as resident memory until unmapped (a checkpoint of a 124M model and its AdamW moments
            // is 1.5 GB).
            AtomicFiles.write(file, tmp -> {
                try (Arena arena = Arena.ofConfined();
                     FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    int chunk = WRITE_CHUNK_FLOATS;
                    MemorySegment buf = arena.allocate((long) Math.max(chunk * st.byteSize(), 8 + padded), 8);
                    buf.set(U64_LE, 0, padded);
                    MemorySegment.copy(json, 0, buf, ValueLayout.JAVA_BYTE, 8, json.length);
                    buf.asSlice(8 + json.length, padded - json.length).fill((byte) ' ');
                    writeFully(ch, buf.asSlice(0, 8 + padded));
                    for (Object value : sorted.values()) {
                        if (value instanceof HalfEntry half) {
                            writeHalf(ch, half, st, buf, chunk);
                            continue;
                        }
                        Tensor t = (Tensor) value;
                        t.backend().readHost(t, (src, off, n) -> {
                            for (int i = 0; i < n; i += chunk) {
                                int len = Math.min(chunk, n - i);
                                st.fromFloats(src, off + i, buf, 0, len);
                                try {
                                    writeFully(ch, buf.asSlice(0, (long) len * st.byteSize()));
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            }
                        });
                    }
                    if (ch.size() != total) throw new IOException("wrote " + ch.size() + " bytes, expected " + total);
                    ch.force(true);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
            });
        } catch (IOException e) {
            throw CheckpointException.at(file, "cannot write: " + e.getMessage(), e);
        }
    }

    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Writes one 16-bit weight: its bits when {@code st} is its dtype, else widened and converted, in chunks. */
    private static void writeHalf(FileChannel ch, HalfEntry half, SafetensorsDtype st, MemorySegment buf, int chunk) {
        boolean same = st.dtype() == half.weight().dtype();
        boolean bf16 = half.weight().dtype() == DType.BF16;
        float[] floats = same ? null : new float[chunk];
        half.lend((src, off, n) -> {
            for (int i = 0; i < n; i += chunk) {
                int len = Math.min(chunk, n - i);
                if (same) MemorySegment.copy(src, off + i, buf, I16_LE, 0, len);
                else {
                    for (int j = 0; j < len; j++)
                        floats[j] = bf16 ? DType.bf16ToF32(src[off + i + j]) : DType.f16ToF32(src[off + i + j]);
                    st.fromFloats(floats, 0, buf, 0, len);
                }
                try {
                    writeFully(ch, buf.asSlice(0, (long) len * st.byteSize()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }
}
