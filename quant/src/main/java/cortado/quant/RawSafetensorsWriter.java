package cortado.quant;

import cortado.data.json.Json;
import cortado.nn.io.AtomicFiles;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.SafetensorsDtype;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A safetensors writer for tensors of mixed dtypes given as raw little-endian bytes (a quantized checkpoint holds
 * uint8 packed codes beside float32 scales; nn/io's writer converts float tensors to one dtype). The file appears
 * atomically: temp file in the same directory, forced, renamed. Also used for optimizer states (uint8 codes
 * beside float32 moments and scales).
 */
public final class RawSafetensorsWriter {
    private record Entry(SafetensorsDtype dtype, long[] shape, byte[] data) {}

    private final Map<String, Entry> entries = new TreeMap<>();

    public void add(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n * dtype.byteSize() != data.length)
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length + " bytes for " + dtype + " shape "
                    + Arrays.toString(shape));
        if (entries.put(name, new Entry(dtype, shape.clone(), data)) != null)
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
    }

    public void addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        add(name, SafetensorsDtype.F32, shape, b.array());
    }

    public void write(Path file, Map<String, String> metadata) {
        StringBuilder h = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            h.append("\"__metadata__\":");
            Json.write(h, new TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (h.length() > 1) h.append(',');
            Json.quote(h, e.getKey());
            h.append(":{\"dtype\":\"").append(e.getValue().dtype.name()).append("\",\"shape\":")
                    .append(Arrays.toString(e.getValue().shape).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',')
                    .append(offset + e.getValue().data.length).append("]}");
            offset += e.getValue().data.length;
        }
        h.append('}');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try {
            AtomicFiles.write(file, tmp -> {
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                    out.write(json);
                    for (int i = json.length; i < padded; i++) out.write(' ');
                    for (Entry e : entries.values()) out.write(e.data);
                }
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            });
        } catch (IOException e) {
            throw CheckpointException.at(file, "cannot write: " + e.getMessage(), e);
        }
    }

    static Map<String, String> ptMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        return m;
    }
}
