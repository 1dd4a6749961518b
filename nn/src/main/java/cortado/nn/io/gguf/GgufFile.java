package cortado.nn.io.gguf;

import cortado.nn.io.CheckpointException;
import cortado.tensor.GgmlType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3; ggml's docs/gguf.md), memory-mapped and checked: the magic {@code GGUF}, the version,
 * the metadata key-value pairs and the tensor records, then the data section at the next multiple of
 * {@code general.alignment} (default 32). Every count and length in the header is checked against the bytes that are
 * left before anything is allocated for it, and every tensor's data against the file's end, so a truncated or lying
 * file fails with a message naming the field instead of allocating from it.
 *
 * <p>Metadata values are Java values: integers as {@code Long} (uint64 above 2^63 is refused), FLOAT32 and FLOAT64 as
 * {@code Double}, BOOL as {@code Boolean}, STRING as {@code String}, ARRAY as an unmodifiable {@code List}.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747;   // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataStart;
    private long pos;

    private GgufFile(Path path) {
        this.path = path;
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw CheckpointException.at(path, "no such file");
        } catch (IOException e) {
            arena.close();
            throw CheckpointException.at(path, "cannot read: " + e.getMessage(), e);
        }
        try {
            if (file.byteSize() < 24) throw bad("too short for a GGUF header (" + file.byteSize() + " bytes)");
            int magic = file.get(I32, 0);
            if (magic != MAGIC)
                throw bad(String.format("bad magic 0x%08x (a GGUF file starts with the bytes 'GGUF')", magic));
            pos = 4;
            version = u32("version");
            if (version != 2 && version != 3)
                throw bad("unsupported GGUF version " + Integer.toUnsignedString(version) + " (Cortado reads 2 and 3)");
            long nTensors = count("tensor_count", 8 + 4 + 8 + 4 + 8);   // the smallest tensor record
            long nKv = count("metadata_kv_count", 8 + 4 + 1);
            Map<String, Object> kv = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                String key = string("key of metadata entry " + i);
                if (kv.containsKey(key)) throw bad("duplicate metadata key '" + key + "'");
                long typeId = Integer.toUnsignedLong(u32(key + " type"));
                GgufValueType type = GgufValueType.ofId(typeId);
                if (type == null) throw bad("metadata '" + key + "' has unknown value type " + typeId);
                kv.put(key, value(key, type));
            }
            metadata = Collections.unmodifiableMap(kv);
            Object align = kv.getOrDefault("general.alignment", (long) DEFAULT_ALIGNMENT);
            if (!(align instanceof Long a) || a <= 0 || a > 1 << 20 || Long.bitCount(a) != 1)
                throw bad("general.alignment must be a power of two, got " + align);
            int alignment = (int) (long) (Long) align;
            Map<String, GgufTensorInfo> ts = new LinkedHashMap<>();
            for (long i = 0; i < nTensors; i++) {
                String name = string("name of tensor " + i);
                if (ts.containsKey(name)) throw bad("duplicate tensor '" + name + "'");
                int nDims = u32(name + " n_dims");
                if (nDims < 1 || nDims > MAX_DIMS) throw bad("tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                        + " dimensions (1 to " + MAX_DIMS + " allowed)");
                long[] ne = new long[nDims];
                long n = 1;
                for (int d = 0; d < nDims; d++) {
                    ne[d] = i64(name + " ne[" + d + "]");
                    if (ne[d] < 0 || ne[d] > Integer.MAX_VALUE) throw bad("tensor '" + name + "' ne[" + d + "] = "
                            + Long.toUnsignedString(ne[d]) + " is out of range");
                    n = Math.multiplyHigh(n, ne[d]) != 0 ? -1 : n * ne[d];
                    if (n < 0) throw bad("tensor '" + name + "' has more values than fit in 63 bits");
                }
                long typeId = Integer.toUnsignedLong(u32(name + " type"));
                GgmlType type = GgmlType.ofId(typeId);
                if (type == null)
                    throw bad("tensor '" + name + "' has ggml type " + typeId + ", which Cortado does not read (it reads "
                            + "F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K)");
                if (ne[0] % type.blockValues != 0)
                    throw bad("tensor '" + name + "' rows of " + ne[0] + " values are not whole " + type + " blocks of "
                            + type.blockValues);
                long offset = i64(name + " offset");
                if (offset < 0 || offset % alignment != 0)
                    throw bad("tensor '" + name + "' offset " + Long.toUnsignedString(offset) + " is not a multiple of the"
                            + " alignment " + alignment);
                ts.put(name, new GgufTensorInfo(name, ne, type, offset));
            }
            tensors = Collections.unmodifiableMap(ts);
            dataStart = (pos + alignment - 1) / alignment * alignment;
            for (GgufTensorInfo t : ts.values()) {
                long bytes = t.bytes();
                if (bytes < 0 || dataStart + t.offset() > file.byteSize() - bytes)
                    throw bad("tensor '" + t.name() + "' (" + t.type() + " " + java.util.Arrays.toString(t.shape()) + ", "
                            + bytes + " bytes at data offset " + t.offset() + ") runs past the end of the file ("
                            + file.byteSize() + " bytes)");
            }
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Opens and checks {@code path}; close it when its tensors have been read. */
    public static GgufFile open(Path path) {
        if (Files.isDirectory(path)) throw CheckpointException.at(path, "is a directory, not a GGUF file");
        return new GgufFile(path);
    }

    /** Whether {@code path} names a file that starts with GGUF's magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) return false;
        try (var in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() { return path; }

    public int version() { return version; }

    /** Every metadata entry, in file order. */
    public Map<String, Object> metadata() { return metadata; }

    /** Every tensor record, in file order. */
    public Map<String, GgufTensorInfo> tensors() { return tensors; }

    /** The bytes of {@code t}'s data, a view of the mapped file (valid until {@link #close}). */
    public MemorySegment data(GgufTensorInfo t) { return file.asSlice(dataStart + t.offset(), t.bytes()); }

    /** A fresh heap copy of {@code t}'s bytes. */
    public byte[] bytes(GgufTensorInfo t) {
        if (t.bytes() > Integer.MAX_VALUE - 16)
            throw bad("tensor '" + t.name() + "' has " + t.bytes() + " bytes, more than one Java array holds");
        return data(t).toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@code t}'s values widened to fp32 (F32, F16 and BF16 only). */
    public float[] floats(GgufTensorInfo t) {
        MemorySegment s = data(t);
        int n = Math.toIntExact(t.count());
        float[] out = new float[n];
        switch (t.type()) {
            case F32 -> MemorySegment.copy(s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0,
                    out, 0, n);
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.getAtIndex(I16, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((s.getAtIndex(I16, i) & 0xffff) << 16); }
            default -> throw bad("tensor '" + t.name() + "' is " + t.type() + ", not a float type");
        }
        return out;
    }

    /** {@code t}'s 16-bit values (F16 or BF16) as their bits. */
    public short[] shorts(GgufTensorInfo t) {
        if (t.type() != GgmlType.F16 && t.type() != GgmlType.BF16)
            throw bad("tensor '" + t.name() + "' is " + t.type() + ", not F16 or BF16");
        short[] out = new short[Math.toIntExact(t.count())];
        MemorySegment.copy(data(t), I16, 0, out, 0, out.length);
        return out;
    }

    /** A CheckpointException naming this file. */
    public CheckpointException bad(String problem) { return CheckpointException.at(path, problem); }

    @Override public void close() { arena.close(); }

    // ---- header parsing, each read checked against the bytes left ----

    private void need(long bytes, String what) {
        if (bytes < 0 || bytes > file.byteSize() - pos)
            throw bad("truncated: " + what + " needs " + Long.toUnsignedString(bytes) + " bytes at offset " + pos
                    + ", the file has " + (file.byteSize() - pos) + " left");
    }

    private int u32(String what) {
        need(4, what);
        int v = file.get(I32, pos);
        pos += 4;
        return v;
    }

    private long i64(String what) {
        need(8, what);
        long v = file.get(I64, pos);
        pos += 8;
        return v;
    }

    /** A uint64 count of items each at least {@code minBytes} long, bounded by what is left of the file. */
    private long count(String what, long minBytes) {
        long n = i64(what);
        if (n < 0 || n > (file.byteSize() - pos) / minBytes)
            throw bad(what + " = " + Long.toUnsignedString(n) + " is more than the " + (file.byteSize() - pos)
                    + " bytes left can hold");
        return n;
    }

    private String string(String what) {
        long len = i64(what + " length");
        need(len, what);
        byte[] b = file.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw bad(what + " is not valid UTF-8");
        }
    }

    private Object value(String key, GgufValueType type) {
        return switch (type) {
            case UINT8 -> { need(1, key); yield (long) (file.get(ValueLayout.JAVA_BYTE, pos++) & 0xff); }
            case INT8 -> { need(1, key); yield (long) file.get(ValueLayout.JAVA_BYTE, pos++); }
            case UINT16 -> { need(2, key); long v = file.get(I16, pos) & 0xffff; pos += 2; yield v; }
            case INT16 -> { need(2, key); long v = file.get(I16, pos); pos += 2; yield v; }
            case UINT32 -> Integer.toUnsignedLong(u32(key));
            case INT32 -> (long) u32(key);
            case FLOAT32 -> (double) Float.intBitsToFloat(u32(key));
            case BOOL -> {
                need(1, key);
                byte b = file.get(ValueLayout.JAVA_BYTE, pos++);
                if (b != 0 && b != 1) throw bad("metadata '" + key + "' is a bool holding " + b);
                yield b == 1;
            }
            case STRING -> string("metadata '" + key + "'");
            case UINT64 -> {
                long v = i64(key);
                if (v < 0) throw bad("metadata '" + key + "' = " + Long.toUnsignedString(v) + " is beyond 2^63");
                yield v;
            }
            case INT64 -> i64(key);
            case FLOAT64 -> Double.longBitsToDouble(i64(key));
            case ARRAY -> {
                long typeId = Integer.toUnsignedLong(u32(key + " element type"));
                GgufValueType elem = GgufValueType.ofId(typeId);
                if (elem == null || elem == GgufValueType.ARRAY)
                    throw bad("metadata '" + key + "' is an array of unsupported element type " + typeId);
                long n = count("metadata '" + key + "' element count", elem.minBytes);
                List<Object> items = new ArrayList<>((int) Math.min(n, 1 << 20));
                for (long i = 0; i < n; i++) items.add(value(key, elem));
                yield Collections.unmodifiableList(items);
            }
        };
    }
}
