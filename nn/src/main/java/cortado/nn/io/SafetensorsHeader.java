package cortado.nn.io;

import cortado.data.json.Json;
import cortado.data.json.JsonException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file, parsed and checked against the size of the data section that follows it.
 *
 * <p>Format (github.com/huggingface/safetensors): 8 bytes little-endian u64 header length N, N bytes of UTF-8 JSON
 * (padded with spaces), then the data section. The JSON maps each tensor name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} with offsets relative to the start of the data section, plus an optional
 * {@code "__metadata__"} object of string to string. The checks are those of the reference reader: every tensor's byte
 * range has the size its shape and dtype need, lies inside the data section, and the ranges, sorted, tile the data
 * section exactly, with no overlap, gap or trailing bytes.
 */
public record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** The reference implementation refuses headers above 100 MB; so do we, before reading them. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** One tensor's entry. {@code begin}/{@code end} are byte offsets into the data section. */
    public record TensorInfo(String name, SafetensorsDtype dtype, int[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        public long byteSize() { return end - begin; }

        @Override
        public String toString() { return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")"; }
    }

    /** Parses {@code json} from {@code file} and validates it against a data section of {@code dataBytes} bytes. */
    public static SafetensorsHeader parse(Path file, String json, long dataBytes) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(json);
        } catch (JsonException e) {
            throw CheckpointException.at(file, "invalid JSON header: " + e.getMessage());
        }
        String dup = firstDuplicateTopLevelKey(json);
        if (dup != null) throw CheckpointException.at(file, "duplicate tensor name '" + dup + "' in header");

        Map<String, String> metadata = Map.of();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : root.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                metadata = parseMetadata(file, e.getValue());
                continue;
            }
            tensors.put(name, parseTensor(file, name, e.getValue(), dataBytes));
        }
        checkTiling(file, tensors.values(), dataBytes);
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors), metadata);
    }

    private static Map<String, String> parseMetadata(Path file, Object v) {
        if (!(v instanceof Map<?, ?> m)) throw CheckpointException.at(file, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw CheckpointException.at(file, "__metadata__ value for '" + e.getKey() + "' is not a string");
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseTensor(Path file, String name, Object v, long dataBytes) {
        String where = "tensor '" + name + "'";
        if (!(v instanceof Map<?, ?> m)) throw CheckpointException.at(file, where + ": entry is not a JSON object");
        if (!(m.get("dtype") instanceof String dtypeName))
            throw CheckpointException.at(file, where + ": missing or non-string \"dtype\"");
        SafetensorsDtype dtype = SafetensorsDtype.fromName(dtypeName);
        if (dtype == null) {
            String why = SafetensorsDtype.UNSUPPORTED.contains(dtypeName) ? "unsupported dtype" : "unknown dtype";
            throw CheckpointException.at(file, where + ": " + why + " '" + dtypeName + "'");
        }
        if (!(m.get("shape") instanceof List<?> shapeList))
            throw CheckpointException.at(file, where + ": missing or non-array \"shape\"");
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0)
                throw CheckpointException.at(file, where + ": shape " + shapeList + " has a dimension that is not a non-negative integer");
            if (d > Integer.MAX_VALUE) throw CheckpointException.at(file, where + ": dimension " + d + " is too large");
            shape[i] = (int) (long) d;
            if (d != 0 && numel > Long.MAX_VALUE / 8 / d)
                throw CheckpointException.at(file, where + ": shape " + shapeList + " is too large");
            numel *= d;
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end))
            throw CheckpointException.at(file, where + ": \"data_offsets\" must be two integers [begin, end]");
        if (begin < 0 || end < begin)
            throw CheckpointException.at(file, where + ": invalid data_offsets [" + begin + ", " + end + "]");
        if (end > dataBytes)
            throw CheckpointException.at(file, where + ": data_offsets [" + begin + ", " + end
                    + "] out of range: the data section holds " + dataBytes + " bytes (file truncated?)");
        long need = numel * dtype.byteSize();
        if (end - begin != need)
            throw CheckpointException.at(file, where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + need + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** Sorted by offset, the byte ranges must cover [0, dataBytes) exactly once. */
    private static void checkTiling(Path file, java.util.Collection<TensorInfo> infos, long dataBytes) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long pos = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin < pos)
                throw CheckpointException.at(file, "tensors '" + prev.name + "' [" + prev.begin + ", " + prev.end
                        + ") and '" + t.name + "' [" + t.begin + ", " + t.end + ") overlap");
            if (t.begin > pos)
                throw CheckpointException.at(file, "offsets are not contiguous: " + (t.begin - pos)
                        + " unused bytes before tensor '" + t.name + "' at offset " + t.begin);
            pos = t.end;
            prev = t;
        }
        if (pos != dataBytes)
            throw CheckpointException.at(file, "data section holds " + dataBytes + " bytes but the tensors cover "
                    + pos + " (" + (dataBytes - pos) + " trailing bytes)");
    }

    /**
     * The JSON reader keeps the last of repeated keys, which would hide a duplicated tensor name; this scans the keys
     * of the top-level object (depth 1) in the already-validated text and returns the first repeated one, or null.
     */
    static String firstDuplicateTopLevelKey(String json) {
        Set<String> seen = new HashSet<>();
        int depth = 0;
        boolean expectKey = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '{' -> { depth++; expectKey = depth == 1; }
                case '[' -> depth++;
                case '}', ']' -> depth--;
                case ',' -> expectKey = depth == 1;
                case '"' -> {
                    int j = i + 1;
                    while (json.charAt(j) != '"') j += json.charAt(j) == '\\' ? 2 : 1;
                    if (depth == 1 && expectKey) {
                        String key = (String) Json.parse(json.substring(i, j + 1));
                        if (!seen.add(key)) return key;
                        expectKey = false;
                    }
                    i = j;
                }
                default -> { }
            }
        }
        return null;
    }
}
