package cortado.nn.io.gguf;

import cortado.nn.io.AtomicFiles;
import cortado.nn.io.CheckpointException;
import cortado.tensor.GgmlType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a GGUF v3 file: the header, metadata in the order it was added, the tensor records, then each tensor's data
 * at a multiple of 32 bytes (ggml's default {@code general.alignment}, which this writer does not change), the file
 * written to a temporary name and renamed ({@link AtomicFiles}). A tensor's bytes are asked for when it is written, so
 * only one tensor's data is held at a time.
 */
public final class GgufWriter {
    static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;

    private record Entry(GgufValueType type, GgufValueType elem, Object value) {}

    private record Pending(String name, long[] ne, GgmlType type, Supplier<byte[]> payload) {}

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();

    public GgufWriter string(String key, String v) { return put(key, GgufValueType.STRING, null, v); }

    public GgufWriter u32(String key, long v) {
        if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException(key + " = " + v + " is not a uint32");
        return put(key, GgufValueType.UINT32, null, v);
    }

    public GgufWriter i32(String key, int v) { return put(key, GgufValueType.INT32, null, (long) v); }

    public GgufWriter f32(String key, double v) { return put(key, GgufValueType.FLOAT32, null, v); }

    public GgufWriter bool(String key, boolean v) { return put(key, GgufValueType.BOOL, null, v); }

    public GgufWriter strings(String key, List<String> v) { return put(key, GgufValueType.ARRAY, GgufValueType.STRING, v); }

    public GgufWriter i32s(String key, int[] v) {
        List<Long> l = new ArrayList<>(v.length);
        for (int x : v) l.add((long) x);
        return put(key, GgufValueType.ARRAY, GgufValueType.INT32, l);
    }

    public GgufWriter f32s(String key, float[] v) {
        List<Double> l = new ArrayList<>(v.length);
        for (float x : v) l.add((double) x);
        return put(key, GgufValueType.ARRAY, GgufValueType.FLOAT32, l);
    }

    private GgufWriter put(String key, GgufValueType type, GgufValueType elem, Object v) {
        if (metadata.containsKey(key)) throw new IllegalArgumentException("metadata key '" + key + "' given twice");
        metadata.put(key, new Entry(type, elem, v));
        return this;
    }

    /**
     * A tensor named {@code name} of shape {@code shape} (outermost first, as PyTorch writes it; the file stores the
     * reverse, ggml's ne), whose {@code type} bytes {@code data} gives when written.
     */
    public GgufWriter tensor(String name, int[] shape, GgmlType type, Supplier<byte[]> data) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < shape.length; i++) ne[i] = shape[shape.length - 1 - i];
        if (ne[0] % type.blockValues != 0)
            throw new IllegalArgumentException(name + ": rows of " + ne[0] + " values are not whole " + type + " blocks");
        for (Pending p : tensors)
            if (p.name().equals(name)) throw new IllegalArgumentException("tensor '" + name + "' given twice");
        tensors.add(new Pending(name, ne, type, data));
        return this;
    }

    /** Writes the file (atomically). */
    public void write(Path target) {
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            AtomicFiles.write(target, tmp -> {
                try (OutputStream raw = Files.newOutputStream(tmp);
                     Out out = new Out(new BufferedOutputStream(raw, 1 << 20))) {
                    writeTo(out);
                }
            });
        } catch (IOException e) {
            throw CheckpointException.at(target, "cannot write: " + e.getMessage(), e);
        }
    }

    private void writeTo(Out out) throws IOException {
        out.u32(GgufFile.MAGIC);
        out.u32(3);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, Entry> e : metadata.entrySet()) {
            out.string(e.getKey());
            Entry v = e.getValue();
            out.u32(v.type().id);
            if (v.type() == GgufValueType.ARRAY) {
                List<?> items = (List<?>) v.value();
                out.u32(v.elem().id);
                out.u64(items.size());
                for (Object o : items) out.scalar(v.elem(), o);
            } else {
                out.scalar(v.type(), v.value());
            }
        }
        long offset = 0;
        for (Pending t : tensors) {
            out.string(t.name());
            out.u32(t.ne().length);
            for (long d : t.ne()) out.u64(d);
            out.u32(t.type().id);
            out.u64(offset);
            offset = align(offset + bytes(t));
        }
        out.pad();
        for (Pending t : tensors) {
            byte[] b = t.payload().get();
            if (b.length != bytes(t))
                throw new IllegalStateException(t.name() + ": " + t.type() + " data of " + b.length + " bytes, expected "
                        + bytes(t));
            out.write(b);
            out.pad();
        }
    }

    private static long bytes(Pending t) {
        long n = 1;
        for (long d : t.ne()) n *= d;
        return t.type().bytesOf(n);
    }

    static long align(long n) { return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

    /** A little-endian stream that counts its bytes (for the padding). */
    private static final class Out extends OutputStream {
        private final OutputStream out;
        private long written;

        Out(OutputStream out) { this.out = out; }

        @Override public void write(int b) throws IOException { out.write(b); written++; }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); written += len; }

        @Override public void close() throws IOException { out.close(); }

        void u32(long v) throws IOException { for (int i = 0; i < 4; i++) write((int) (v >>> 8 * i)); }

        void u64(long v) throws IOException { for (int i = 0; i < 8; i++) write((int) (v >>> 8 * i)); }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b);
        }

        void scalar(GgufValueType type, Object v) throws IOException {
            switch (type) {
                case STRING -> string((String) v);
                case UINT32, INT32 -> u32((Long) v);
                case FLOAT32 -> u32(Float.floatToRawIntBits((float) (double) (Double) v));
                case BOOL -> write((Boolean) v ? 1 : 0);
                default -> throw new IllegalArgumentException("the writer does not write " + type);
            }
        }

        void pad() throws IOException { while (written % ALIGNMENT != 0) write(0); }
    }
}
